// Packing of A and B panels for the micro-kernel (gemm.cpp drives the blocking). Packed
// panels are contiguous and zero padded to the tile size, so the micro-kernel always runs
// a full MR x NR tile and never branches on edges; the transpose flags are absorbed here.
//   A panel: [kc][kMR]  (element (i, k) of the panel at k*kMR + i)
//   B panel: [kc][kNR]  (element (k, j) of the panel at k*kNR + j)
#include <algorithm>
#include <cstring>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "cpu/gemm/kernel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

namespace {
constexpr int MR = gemm_cfg::kMR, NR = gemm_cfg::kNR;

#if defined(__AVX2__)
// In-register transpose of an 8x8 float block (rows t[0..7] -> columns).
inline void transpose8(__m256 t[8]) {
  __m256 u[8], v[8];
  for (int i = 0; i < 4; ++i) {
    u[2 * i] = _mm256_unpacklo_ps(t[2 * i], t[2 * i + 1]);
    u[2 * i + 1] = _mm256_unpackhi_ps(t[2 * i], t[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {
    v[4 * i + 0] = _mm256_shuffle_ps(u[4 * i], u[4 * i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    v[4 * i + 1] = _mm256_shuffle_ps(u[4 * i], u[4 * i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    v[4 * i + 2] = _mm256_shuffle_ps(u[4 * i + 1], u[4 * i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    v[4 * i + 3] = _mm256_shuffle_ps(u[4 * i + 1], u[4 * i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm256_permute2f128_ps(v[i], v[i + 4], 0x20);
    t[i + 4] = _mm256_permute2f128_ps(v[i], v[i + 4], 0x31);
  }
}

// Full panels, 8 depth steps at a time: 8x8 blocks transposed in registers. Returns the
// depth packed (a multiple of 8); the caller finishes the rest.
template <int W>
int64_t pack_transposed_simd(float* __restrict dst, const float* src, int64_t ld, int64_t kc) {
  int64_t k = 0;
  for (; k + 8 <= kc; k += 8) {
    for (int g = 0; g < W; g += 8) {
      const int gr = std::min(8, W - g);
      __m256 t[8];
      for (int i = 0; i < 8; ++i)
        t[i] = i < gr ? _mm256_loadu_ps(src + (g + i) * ld + k) : _mm256_setzero_ps();
      transpose8(t);
      float* d = dst + k * W + g;
      if (gr == 8) {
        for (int kk = 0; kk < 8; ++kk) _mm256_storeu_ps(d + kk * W, t[kk]);
      } else if (gr == 4) {
        for (int kk = 0; kk < 8; ++kk) _mm_storeu_ps(d + kk * W, _mm256_castps256_ps128(t[kk]));
      } else {
        // NOTE: W < 8 (one group): each full store spills 8-W junk lanes into the next depth
        // step's slots, which the next store overwrites; the last store is masked.
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(gr), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        for (int kk = 0; kk < 7; ++kk) _mm256_storeu_ps(d + kk * W, t[kk]);
        _mm256_maskstore_ps(d + 7 * W, mask, t[7]);
      }
    }
  }
  return k;
}
#endif

// dst[k*W + r] = src_r[k] for r < rows (rows read with stride ld), zero for rows..W.
template <int W>
void pack_transposed(float* __restrict dst, const float* src, int64_t ld, int rows, int64_t kc) {
  int64_t k = 0;
#if defined(__AVX2__)
  static_assert(W < 8 || W % 4 == 0, "AVX2 packing handles W < 8 or multiples of 4");
  if (rows == W) k = pack_transposed_simd<W>(dst, src, ld, kc);
#endif
  for (; k < kc; ++k)
    for (int r = 0; r < W; ++r) dst[k * W + r] = r < rows ? src[(r < rows ? r : 0) * ld + k] : 0.0f;
}

// dst[k*W + c] = src[k*ld + c] for c < cols, zero for cols..W (contiguous runs).
template <int W>
void pack_direct(float* __restrict dst, const float* src, int64_t ld, int cols, int64_t kc) {
  if (cols == W) {
    for (int64_t k = 0; k < kc; ++k) std::memcpy(dst + k * W, src + k * ld, W * sizeof(float));
    return;
  }
#if defined(__AVX512F__)
  if (W % 16 == 0) {  // masked loads: the zero tail comes for free (no per-row memcpy call)
    for (int64_t k = 0; k < kc; ++k)
      for (int c = 0; c < W; c += 16) {
        const int left = cols - c;
        const __mmask16 m = left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
        _mm512_storeu_ps(dst + k * W + c, _mm512_maskz_loadu_ps(m, src + k * ld + c));
      }
    return;
  }
#elif defined(__AVX2__)
  if (W % 8 == 0) {
    for (int64_t k = 0; k < kc; ++k)
      for (int c = 0; c < W; c += 8) {
        const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(cols - c), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        _mm256_storeu_ps(dst + k * W + c, _mm256_maskload_ps(src + k * ld + c, m));
      }
    return;
  }
#endif
  for (int64_t k = 0; k < kc; ++k) {
    for (int c = 0; c < cols; ++c) dst[k * W + c] = src[k * ld + c];
    for (int c = cols; c < W; ++c) dst[k * W + c] = 0.0f;
  }
}
}  // namespace

void gemm_pack_a(float* ap, const float* A, int64_t lda, bool trans_a, int64_t i0, int64_t mc,
                 int64_t p0, int64_t kc) {
  for (int64_t i = 0; i < mc; i += MR, ap += MR * kc) {
    const int m = int(std::min<int64_t>(MR, mc - i));
    if (trans_a)  // A stored [K, M]: rows of the panel are contiguous in memory per k
      pack_direct<MR>(ap, A + p0 * lda + i0 + i, lda, m, kc);
    else
      pack_transposed<MR>(ap, A + (i0 + i) * lda + p0, lda, m, kc);
  }
}

void gemm_pack_b(float* bp, const float* B, int64_t ldb, bool trans_b, int64_t p0, int64_t kc,
                 int64_t j0, int64_t nc) {
  int64_t j = 0;
  if (!trans_b) {
    // Full panels 8 rows at a time across all panels: each source row segment is read
    // contiguously (faster than one panel at a time down a column of long strides).
    const int64_t full = nc / NR * NR;
    for (int64_t k0 = 0; k0 < kc; k0 += 8) {
      const int64_t k1 = std::min(kc, k0 + 8);
      for (int64_t jj = 0; jj < full; jj += NR) {
        float* d = bp + jj * kc + k0 * NR;
        for (int64_t k = k0; k < k1; ++k, d += NR)
          std::memcpy(d, B + (p0 + k) * ldb + j0 + jj, NR * sizeof(float));
      }
    }
    j = full;
    bp += full * kc;
  }
  for (; j < nc; j += NR, bp += NR * kc) {
    const int n = int(std::min<int64_t>(NR, nc - j));
    if (trans_b)  // B stored [N, K]
      pack_transposed<NR>(bp, B + (j0 + j) * ldb + p0, ldb, n, kc);
    else
      pack_direct<NR>(bp, B + p0 * ldb + j0 + j, ldb, n, kc);
  }
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
