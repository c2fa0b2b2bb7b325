// bf16 GEMM with fp32 operands and result (gemm.h sbgemm, the kernel behind autocast). Two
// implementations of one function (elements rounded to bf16, exact products, fp32 sums):
//  - AVX512-BF16 (the avx512 variant on a CPU that has it): gemm.cpp's shared-B structure
//    with bf16 panels. Packing rounds op(A) and op(B) into pairs along K, a pair being two
//    bf16 in 32 bits with the lower k in the low half:
//      A panel [kc/2][kMR] pairs, B panel [kc/2][kNR] pairs (an odd kc pads a zero)
//    and a 12x32 micro-kernel runs 24 VDPBF16PS per k pair (two products per lane each).
//  - elsewhere: op(A) and op(B) rounded into fp32 scratch copies, then sgemm.
#include <algorithm>
#include <cstdint>

// NOTE: GCC 12 warns (-Wmaybe-uninitialized) inside its own _mm512_undefined_ps (masked
// loads in gemm_finish16); a known false positive (GCC PR105593), as in ukernel_avx512.cpp.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "cpu/gemm/gemm.h"
#include "cpu/gemm/kernel.h"
#include "cpu/scratch.h"
#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

namespace {
struct Bf16Scratch;
enum Slot { kRoundA, kRoundB, kPackA, kPackB, kNumSlots };
float* scratch(Slot slot, int64_t n) { return thread_scratch<Bf16Scratch, kNumSlots>(slot, n); }

// dst[r*cols + c] = bf16_round(src[r*ld + c]) for a rows x cols matrix.
void round_copy(float* dst, const float* src, int64_t ld, int64_t rows, int64_t cols) {
  parallel_for(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(cols, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      for (int64_t c = 0; c < cols; ++c) dst[r * cols + c] = bf16_round(src[r * ld + c]);
  });
}

// The portable path: rounded copies of A and B (layouts kept), then the fp32 GEMM, whose
// products of bf16 values are exact.
void sbgemm_rounded(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                    const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C,
                    int64_t ldc, const GemmEpilogue* ep) {
  const int64_t ar = trans_a ? K : M, ac = trans_a ? M : K, br = trans_b ? N : K, bc = trans_b ? K : N;
  float* a = scratch(kRoundA, ar * ac);
  float* b = scratch(kRoundB, br * bc);
  round_copy(a, A, lda, ar, ac);
  round_copy(b, B, ldb, br, bc);
  sgemm(trans_a, trans_b, M, N, K, alpha, a, std::max<int64_t>(ac, 1), b, std::max<int64_t>(bc, 1), beta, C,
        ldc, ep);
}

#if defined(__AVX512F__)
#pragma GCC push_options
#pragma GCC target("avx512bf16")
int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

constexpr int MR = gemm_cfg::kMR, NR = gemm_cfg::kNR;
static_assert(MR == 12 && NR == 32, "the bf16 micro-kernel is 12x32");
// Depth of a packed block (even: whole pairs) and columns of a packed B block.
// NOTE: a B panel of 512 x 32 bf16 is 32 KiB, as the fp32 kernel's 256 x 32 floats.
constexpr int64_t kKCb = 512, kNCb = 2048;
constexpr double kMinParallelFlops = 2.0 * 64 * 64 * 64;

// Pairs across two rows: element (k, c) at src[k*ld + c] for c < n; dst[p*W + c] holds
// (k = 2p, 2p+1) of column c; zero for c >= n and past kc.
template <int W>
void pack_pairs_rows(uint32_t* __restrict dst, const float* src, int64_t ld, int n, int64_t kc) {
  if (W % 16 == 0) {  // VCVTNE2PS2BF16 rounds as bf16_bits; a word permute interleaves the rows
    alignas(64) static const uint16_t kInterleave[32] = {0,  16, 1,  17, 2,  18, 3,  19, 4,  20, 5,  21, 6,  22, 7,  23,
                                                         8,  24, 9,  25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
    const __m512i inter = _mm512_load_si512(kInterleave);
    for (int64_t k = 0; k < kc; k += 2, dst += W) {
      const float* r0 = src + k * ld;
      for (int c = 0; c < W; c += 16) {
        const int left = n - c;
        const __mmask16 m = left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
        const __m512 lo = _mm512_maskz_loadu_ps(m, r0 + c);
        const __m512 hi = k + 1 < kc ? _mm512_maskz_loadu_ps(m, r0 + ld + c) : _mm512_setzero_ps();
        const __m512i v = (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
        _mm512_storeu_si512(dst + c, _mm512_permutexvar_epi16(inter, v));
      }
    }
    return;
  }
  for (int64_t k = 0; k < kc; k += 2, dst += W) {
    const float* r0 = src + k * ld;
    if (k + 1 < kc) {
      const float* r1 = r0 + ld;
      for (int c = 0; c < n; ++c) dst[c] = bf16_bits(r0[c]) | bf16_bits(r1[c]) << 16;
    } else {
      for (int c = 0; c < n; ++c) dst[c] = bf16_bits(r0[c]);
    }
    for (int c = n; c < W; ++c) dst[c] = 0;
  }
}

// Pairs within a row: element (k, c) at src[c*ld + k] for c < n; the same dst layout.
template <int W>
void pack_pairs_cols(uint32_t* __restrict dst, const float* src, int64_t ld, int n, int64_t kc) {
  const int64_t kp = (kc + 1) / 2, even = kc / 2;
  for (int c = 0; c < n; ++c) {
    const float* s = src + c * ld;
    for (int64_t p = 0; p < even; ++p) dst[p * W + c] = bf16_bits(s[2 * p]) | bf16_bits(s[2 * p + 1]) << 16;
    if (kp > even) dst[even * W + c] = bf16_bits(s[2 * even]);
  }
  for (int64_t p = 0; p < kp; ++p)
    for (int c = n; c < W; ++c) dst[p * W + c] = 0;
}

// R rows x NV 16-column vectors of C += the pair panels a ([kp][12]) and b ([kp][32]).
template <int R, int NV>
void kernel_rows(int64_t kp, const uint32_t* a, const uint32_t* b, float* c, int64_t ldc, int n,
                 const TileStore& st) {
  __m512 acc[R][NV];
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
#pragma GCC unroll 2
  for (int64_t p = 0; p < kp; ++p) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b);
    const __m512bh b1 = NV > 1 ? (__m512bh)_mm512_loadu_si512(b + 16) : b0;
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      const __m512bh x = (__m512bh)_mm512_set1_epi32(int(a[r]));
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], x, b0);
      if (NV > 1) acc[r][NV - 1] = _mm512_dpbf16_ps(acc[r][NV - 1], x, b1);
    }
    a += MR;
    b += NR;
  }
  gemm_store_rows16<R, NV>(acc, c, ldc, n, st);
}

template <int NV>
void kernel_m(int64_t kp, const uint32_t* a, const uint32_t* b, float* c, int64_t ldc, int m, int n,
              const TileStore& st) {
  switch (m) {
#define TF_ROWS(R) \
  case R: return kernel_rows<R, NV>(kp, a, b, c, ldc, n, st);
    TF_ROWS(12) TF_ROWS(11) TF_ROWS(10) TF_ROWS(9) TF_ROWS(8) TF_ROWS(7)
    TF_ROWS(6) TF_ROWS(5) TF_ROWS(4) TF_ROWS(3) TF_ROWS(2)
#undef TF_ROWS
    default: return kernel_rows<1, NV>(kp, a, b, c, ldc, n, st);
  }
}

using Problem = GemmProblem;  // bsrc is always null here

// Depth [pc, pc+kc) x columns [j0, j0+n) of op(B) as one pair panel.
void pack_b_panel(const Problem& p, uint32_t* dst, int64_t pc, int64_t kc, int64_t j0, int n) {
  if (p.trans_b) return pack_pairs_cols<NR>(dst, p.B + j0 * p.ldb + pc, p.ldb, n, kc);  // B [N, K]
  pack_pairs_rows<NR>(dst, p.B + pc * p.ldb + j0, p.ldb, n, kc);
}

// Rows [i0, i0+m) x depth [pc, pc+kc) of op(A) as one pair panel.
void pack_a_panel(const Problem& p, uint32_t* dst, int64_t pc, int64_t kc, int64_t i0, int m) {
  if (p.trans_a) return pack_pairs_rows<MR>(dst, p.A + pc * p.lda + i0, p.lda, m, kc);  // A [K, M]
  pack_pairs_cols<MR>(dst, p.A + i0 * p.lda + pc, p.lda, m, kc);
}

// Row tiles [t0, t1) against the packed B block bp (nt panels of columns from jc, depth
// [pc, pc+kc)): A packed one block (at most kMC rows) at a time, then tile by tile.
void rows_bf16(const Problem& p, const uint32_t* bp, int64_t nt, int64_t jc, int64_t nc, int64_t pc, int64_t kc,
               int64_t t0, int64_t t1) {
  const int64_t kp = (kc + 1) / 2, block = gemm_cfg::kMC / MR;
  uint32_t* ap = reinterpret_cast<uint32_t*>(scratch(kPackA, std::min(block, t1 - t0) * MR * kp));
  for (int64_t b0 = t0; b0 < t1; b0 += block) {
    const int64_t b1 = std::min(t1, b0 + block);
    for (int64_t t = b0; t < b1; ++t)
      pack_a_panel(p, ap + (t - b0) * MR * kp, pc, kc, t * MR, int(std::min<int64_t>(MR, p.M - t * MR)));
    for (int64_t jr = 0; jr < nt; ++jr) {
      const int n = int(std::min<int64_t>(NR, nc - jr * NR));
      for (int64_t t = b0; t < b1; ++t) {
        const int64_t i = t * MR, j = jc + jr * NR;
        const TileStore st = gemm_tile_store(p.alpha, p.beta, p.K, p.ep, pc, kc, i, j);
        const int m = int(std::min<int64_t>(MR, p.M - i));
        const uint32_t *a = ap + (t - b0) * MR * kp, *b = bp + jr * NR * kp;
        float* c = p.C + i * p.ldc + j;
        if (n <= 16) kernel_m<1>(kp, a, b, c, p.ldc, m, n, st);
        else kernel_m<2>(kp, a, b, c, p.ldc, m, n, st);
      }
    }
  }
}

// The packed bf16 GEMM: per B block (all threads pack its panels), threads take chunks of
// row tiles; chunks are handed out dynamically (parallel_for_chunks).
void sbgemm_packed(const Problem& p) {
  const int threads = current_num_threads();
  const bool serial = 2.0 * double(p.M) * double(p.N) * double(p.K) < kMinParallelFlops || threads <= 1;
  int64_t kc_step = ceil_div(p.K, ceil_div(p.K, kKCb));
  kc_step += kc_step & 1;
  const int64_t mt = ceil_div(p.M, MR);
  uint32_t* bp = reinterpret_cast<uint32_t*>(scratch(kPackB, std::min<int64_t>(kNCb, ceil_div(p.N, NR) * NR) * (kc_step / 2)));
  for (int64_t jc = 0; jc < p.N; jc += kNCb) {
    const int64_t nc = std::min(kNCb, p.N - jc), nt = ceil_div(nc, NR);
    for (int64_t pc = 0; pc < p.K; pc += kc_step) {
      const int64_t kc = std::min(kc_step, p.K - pc), kp = (kc + 1) / 2;
      parallel_for_chunks(nt, serial ? nt : std::max<int64_t>(1, nt / (4 * threads)), [&](int64_t b, int64_t e) {
        for (int64_t j = b; j < e; ++j)
          pack_b_panel(p, bp + j * NR * kp, pc, kc, jc + j * NR, int(std::min<int64_t>(NR, nc - j * NR)));
      });
      parallel_for_chunks(mt, serial ? mt : std::max<int64_t>(1, mt / (4 * threads)),
                          [&](int64_t t0, int64_t t1) { rows_bf16(p, bp, nt, jc, nc, pc, kc, t0, t1); });
    }
  }
}
#pragma GCC pop_options
#endif
}  // namespace

bool sbgemm_native() {
#if defined(__AVX512F__)
  static const bool ok = __builtin_cpu_supports("avx512bf16");
  return ok;
#else
  return false;
#endif
}

void sbgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
            const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
            float* C, int64_t ldc, const GemmEpilogue* ep) {
  if (M <= 0 || N <= 0) return;
#if defined(__AVX512F__)
  if (sbgemm_native() && K > 0 && alpha != 0.0f)
    return sbgemm_packed(Problem{trans_a, trans_b, M, N, K, alpha, beta, A, lda, B, ldb, C, ldc, ep, nullptr});
#endif
  sbgemm_rounded(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
