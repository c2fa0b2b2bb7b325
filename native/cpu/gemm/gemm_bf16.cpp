// bf16 GEMM with fp32 operands and result (gemm.h sbgemm, the kernel behind autocast). Two
// implementations of one function (elements rounded to bf16, exact products, fp32 sums):
//  - AVX512-BF16 (the avx512 variant on a CPU that has it): op(A) and op(B) packed whole,
//    once per call, into pairs along K (pack_bf16.h; the rounding happens there, once per
//    element), a pair being two bf16 in 32 bits with the lower k in the low half:
//      A panels [K/2][kMR] pairs, B panels [K/2][kNR] pairs (an odd K pads a zero)
//    and a 12x32 micro-kernel runs 24 VDPBF16PS per k pair (two products per lane each).
//  - elsewhere: op(A) and op(B) rounded into fp32 scratch copies, then sgemm.
// Where the CPU has AMX, the binding calls sbgemm_amx (gemm_bf16_amx.cpp) instead.
#include <algorithm>
#include <cstdint>

// NOTE: GCC 12 warns (-Wmaybe-uninitialized) inside its own _mm512_undefined_ps (masked
// loads in gemm_finish16); a known false positive (GCC PR105593), as in ukernel_avx512.cpp.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "cpu/gemm/gemm.h"
#include "cpu/gemm/kernel.h"
#include "cpu/gemm/pack_bf16.h"
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
// Depth of a block of K (even: whole pairs).
// NOTE: a B panel of 512 x 32 bf16 is 32 KiB, as the fp32 kernel's 256 x 32 floats.
constexpr int64_t kKCb = 512;
constexpr double kMinParallelFlops = 2.0 * 64 * 64 * 64;

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

// Row tiles [t0, t1) x the 32-column panel jr of C over all of K, in depth blocks of kKCb:
// each block's B slice (kKCb x 32 bf16, 32 KiB) stays in L1 while the row tiles pass.
void tiles_bf16(const Problem& p, const uint32_t* ap, const uint32_t* bp, int64_t kp, int64_t t0, int64_t t1,
                int64_t jr) {
  const int64_t j = jr * NR;
  const int n = int(std::min<int64_t>(NR, p.N - j));
  for (int64_t q0 = 0; q0 < kp; q0 += kKCb / 2) {
    const int64_t q1 = std::min(kp, q0 + kKCb / 2);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t i = t * MR;
      const int m = int(std::min<int64_t>(MR, p.M - i));
      const TileStore st = gemm_tile_store(p.alpha, p.beta, p.K, p.ep, 2 * q0, std::min(p.K, 2 * q1) - 2 * q0, i, j);
      const uint32_t *a = ap + t * MR * kp + q0 * MR, *b = bp + jr * NR * kp + q0 * NR;
      float* c = p.C + i * p.ldc + j;
      if (n <= 16) kernel_m<1>(q1 - q0, a, b, c, p.ldc, m, n, st);
      else kernel_m<2>(q1 - q0, a, b, c, p.ldc, m, n, st);
    }
  }
}

// The packed bf16 GEMM: op(A) and op(B) packed whole, once per call (pack_bf16.h pairs:
// ceil(M/12) panels of [kp][12], ceil(N/32) panels of [kp][32], kp = ceil(K/2)), in one
// fork-join; then threads take units of (kMC rows) x (one 32-column panel), row block major,
// so a thread's consecutive units share their A block in L2.
void sbgemm_packed(const Problem& p) {
  const int threads = current_num_threads();
  const bool serial = 2.0 * double(p.M) * double(p.N) * double(p.K) < kMinParallelFlops || threads <= 1;
  const int64_t kp = (p.K + 1) / 2, mt = ceil_div(p.M, MR), nt = ceil_div(p.N, NR);
  uint32_t* ap = reinterpret_cast<uint32_t*>(scratch(kPackA, mt * MR * kp));
  uint32_t* bp = reinterpret_cast<uint32_t*>(scratch(kPackB, nt * NR * kp));
  // op(A) element (i, k): A[i*lda + k] (k contiguous) or, transposed, A[k*lda + i];
  // op(B) element (k, j): B[k*ldb + j] or, transposed, B[j*ldb + k] (k contiguous).
  bf16_pack_both(Bf16Operand{false, MR, p.A, p.lda, !p.trans_a, p.M, p.K, 2 * kp, ap},
                 Bf16Operand{false, NR, p.B, p.ldb, p.trans_b, p.N, p.K, 2 * kp, bp}, serial);
  const int64_t block = gemm_cfg::kMC / MR, units = ceil_div(mt, block) * nt;
  parallel_for_chunks(units, serial ? units : std::max<int64_t>(1, units / (4 * threads)), [&](int64_t b, int64_t e) {
    for (int64_t u = b; u < e; ++u) {
      const int64_t t0 = (u / nt) * block;
      tiles_bf16(p, ap, bp, kp, t0, std::min(mt, t0 + block), u % nt);
    }
  });
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
