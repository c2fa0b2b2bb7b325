// bf16 operand packing (pack_bf16.h has the layouts). Works in blocks of 32 depth values x
// 16 columns: 16 zmm registers hold the block either as pairs (register p: pair p of each
// column c in lane c) or as rows (register c: column c's 32 depth values in order). The
// source layout gives one of the two directly (a row of the source is 16 or 32 floats that
// one VCVTNE2PS2BF16 converts); the other is a 16 x 16 transpose of 32-bit lanes away.
#include "cpu/gemm/pack_bf16.h"

#include <algorithm>

#include "runtime/parallel.h"

#if defined(__AVX512F__)
// NOTE: GCC 12 warns inside its own _mm512_undefined_* (masked loads, lane shuffles); a known
// false positive (GCC PR105593), as in ukernel_avx512.cpp.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx512bf16")

namespace tf {
namespace cpu {
namespace TF_ISA {

namespace {
__mmask16 first(int64_t n) { return n >= 16 ? __mmask16(0xFFFF) : n <= 0 ? __mmask16(0) : __mmask16((1u << n) - 1); }

// r[i] (lane j) <- r[j] (lane i), for 16 x 16 32-bit elements: unpacks of 32- and 64-bit
// elements, then two rounds of 128-bit lane shuffles.
void transpose16(__m512i (&r)[16]) {
  __m512i t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
    r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
    r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
    r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
  }
  for (int h = 0; h < 16; h += 8)
    for (int i = 0; i < 4; ++i) {
      t[h + i] = _mm512_shuffle_i32x4(r[h + i], r[h + i + 4], 0x88);
      t[h + i + 4] = _mm512_shuffle_i32x4(r[h + i], r[h + i + 4], 0xdd);
    }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0xdd);
  }
}

// Pairs of a block stored k-major (k_contig false): element (k, c) at src[k*ld + c], k < kv
// (at most 32), c < n (at most 16).
void block_pairs(__m512i (&r)[16], const float* src, int64_t ld, int n, int64_t kv) {
  alignas(64) static const uint16_t kInterleave[32] = {0,  16, 1,  17, 2,  18, 3,  19, 4,  20, 5,  21, 6,  22, 7,  23,
                                                       8,  24, 9,  25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
  const __m512i inter = _mm512_load_si512(kInterleave);
  const __mmask16 m = first(n);
  for (int p = 0; p < 16; ++p) {
    const __m512 lo = 2 * p < kv ? _mm512_maskz_loadu_ps(m, src + 2 * p * ld) : _mm512_setzero_ps();
    const __m512 hi = 2 * p + 1 < kv ? _mm512_maskz_loadu_ps(m, src + (2 * p + 1) * ld) : _mm512_setzero_ps();
    r[p] = _mm512_permutexvar_epi16(inter, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
  }
}

// Rows of a block stored c-major (k_contig true): element (k, c) at src[c*ld + k].
void block_rows(__m512i (&r)[16], const float* src, int64_t ld, int n, int64_t kv) {
  const __mmask16 m0 = first(kv), m1 = first(kv - 16);
  for (int c = 0; c < 16; ++c) {
    if (c >= n) {
      r[c] = _mm512_setzero_si512();
      continue;
    }
    const float* s = src + c * ld;
    r[c] = (__m512i)_mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(m1, s + 16), _mm512_maskz_loadu_ps(m0, s));
  }
}

// The block of depth [k0, k0+32) as pairs (want_pairs) or rows, from either source layout.
void load_block(__m512i (&r)[16], bool want_pairs, const float* src, int64_t ld, bool k_contig, int n,
                int64_t k0, int64_t kc) {
  const int64_t kv = std::min<int64_t>(32, kc - k0);
  if (kv <= 0) {
    for (auto& v : r) v = _mm512_setzero_si512();
    return;
  }
  if (k_contig) block_rows(r, src + k0, ld, n, kv);
  else block_pairs(r, src + k0 * ld, ld, n, kv);
  if (want_pairs == k_contig) transpose16(r);
}
}  // namespace

namespace {
// Panel columns [0, n) of pairs for depth [k0, k1) (k0 a multiple of 32, k1 even), at the
// panel's base dst.
void pack_pairs(uint32_t* dst, int W, const float* src, int64_t ld, bool k_contig, int n, int64_t kc, int64_t k0,
                int64_t k1) {
  __m512i r[16];
  for (int c0 = 0; c0 < W; c0 += 16) {  // 16 columns at a time (W = 12: one masked half)
    const int nc = std::max(0, std::min(16, n - c0));
    const float* s = src + (k_contig ? c0 * ld : c0);
    const __mmask16 store = first(W - c0);
    for (int64_t k = k0; k < k1; k += 32) {
      load_block(r, true, s, ld, k_contig, nc, k, kc);
      const int64_t pairs = std::min<int64_t>(16, (k1 - k) / 2);
      for (int64_t p = 0; p < pairs; ++p) _mm512_mask_storeu_epi32(dst + (k / 2 + p) * W + c0, store, r[p]);
    }
  }
}

// The rows layout for depth [k0, k1) (multiples of 32), at the panel's base dst.
void pack_rows(uint16_t* dst, const float* src, int64_t ld, bool k_contig, int n, int64_t kc, int64_t k0, int64_t k1) {
  __m512i r[16];
  for (int64_t k = k0; k < k1; k += 32) {
    load_block(r, false, src, ld, k_contig, n, k, kc);
    for (int c = 0; c < 16; ++c) _mm512_storeu_si512(dst + k * 16 + c * 32, r[c]);
  }
}
}  // namespace

int64_t Bf16Operand::items() const { return k_contig ? panels() : (kpad + 31) / 32; }

void Bf16Operand::pack(int64_t item) const {
  const int64_t first_panel = k_contig ? item : 0, end_panel = k_contig ? item + 1 : panels();
  const int64_t k0 = k_contig ? 0 : 32 * item, k1 = k_contig ? kpad : std::min(kpad, k0 + 32);
  for (int64_t q = first_panel; q < end_panel; ++q) {
    const int64_t c = q * W;
    const float* s = src + (k_contig ? c * ld : c);
    const int nc = int(std::min<int64_t>(W, n - c));
    if (rows) pack_rows(reinterpret_cast<uint16_t*>(dst + q * panel_size()), s, ld, k_contig, nc, kc, k0, k1);
    else pack_pairs(dst + q * panel_size(), W, s, ld, k_contig, nc, kc, k0, k1);
  }
}

void bf16_pack_both(const Bf16Operand& a, const Bf16Operand& b, bool serial) {
  const int64_t na = a.items(), n = na + b.items();
  const int64_t chunk = serial ? n : std::max<int64_t>(1, n / (4 * current_num_threads()));
  parallel_for_chunks(n, chunk, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) u < na ? a.pack(u) : b.pack(u - na);
  });
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf

#pragma GCC pop_options
#endif
