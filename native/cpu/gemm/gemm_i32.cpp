// int32 GEMM with PyTorch's integer matmul semantics: every product and sum wraps modulo
// 2^32, computed in uint32 (defined overflow), so the result is exact modulo 2^32 whatever
// the order of the sums: every ISA variant and thread count gives the same bits.
// Cache-blocked, packed into uint32 copies so one inner loop serves every transpose:
//   for each (batch, MC-row block, NC-column block)         [one chunk per pool task]
//     for pc in K step KC:  pack op(A) MC x KC, op(B) KC x NC  (row-major, contiguous)
//       for i, k:  c[i, :] += a[i, k] * b[k, :]             (the compiler vectorizes over j)
#include <algorithm>
#include <cstdint>

#include "cpu/gemm/gemm.h"
#include "cpu/scratch.h"
#include "runtime/parallel.h"
#include "tensorforge/int_math.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

namespace {

// NOTE: uint32 blocks of 64 x 256 (A, 64 KiB) and 256 x 128 (B, 128 KiB) with a 64 x 128
// accumulator (32 KiB) stay in L2 on every CPU we target; the inner row of 128 is 4 to 16
// vectors wide. Integer matmul is rare (indices, counts): simple beats fast here.
constexpr int64_t kMC = 64, kKC = 256, kNC = 128;
// Below this many multiply-adds a fork-join costs more than it saves.
constexpr int64_t kMinParallelMacs = 64 * 64 * 64;

enum Slot { kAPack, kBPack, kAcc, kNumSlots };
struct IgemmScratch;
uint32_t* scratch(Slot slot, int64_t n) {
  // NOTE: scratch pages are raw mmap()ed memory; they hold uint32 here and nothing else.
  return reinterpret_cast<uint32_t*>(thread_scratch<IgemmScratch, kNumSlots>(slot, n));
}

// op(X)[r, c] of a stored matrix: X[r*ld + c], or X[c*ld + r] when trans.
inline uint32_t at(const int32_t* X, bool trans, int64_t ld, int64_t r, int64_t c) {
  return uint32_t(trans ? X[c * ld + r] : X[r * ld + c]);
}

// C[m, n] block (rows i0.., cols j0..) of one batch matrix: C = op(A) op(B), modulo 2^32.
void block(bool ta, bool tb, int64_t K, const int32_t* A, int64_t lda, const int32_t* B, int64_t ldb,
           int32_t* C, int64_t ldc, int64_t i0, int64_t m, int64_t j0, int64_t n) {
  uint32_t* acc = scratch(kAcc, m * n);  // acc[i*n + j]
  uint32_t* ap = scratch(kAPack, m * kKC);  // ap[i*kc + k]
  uint32_t* bp = scratch(kBPack, kKC * n);  // bp[k*n + j]
  std::fill(acc, acc + m * n, 0u);
  for (int64_t p0 = 0; p0 < K; p0 += kKC) {
    const int64_t kc = std::min(kKC, K - p0);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t k = 0; k < kc; ++k) ap[i * kc + k] = at(A, ta, lda, i0 + i, p0 + k);
    for (int64_t k = 0; k < kc; ++k)
      for (int64_t j = 0; j < n; ++j) bp[k * n + j] = at(B, tb, ldb, p0 + k, j0 + j);
    for (int64_t i = 0; i < m; ++i) {
      uint32_t* __restrict c = acc + i * n;
      for (int64_t k = 0; k < kc; ++k) {
        const uint32_t a = ap[i * kc + k];
        const uint32_t* __restrict b = bp + k * n;
        for (int64_t j = 0; j < n; ++j) c[j] += a * b[j];
      }
    }
  }
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) C[(i0 + i) * ldc + j0 + j] = i32_from_bits(acc[i * n + j]);
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

void igemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                   const int32_t* A, int64_t lda, int64_t stride_a, const int32_t* B, int64_t ldb,
                   int64_t stride_b, int32_t* C, int64_t ldc, int64_t stride_c) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  const int64_t mb = ceil_div(M, kMC), nb = ceil_div(N, kNC), chunks = batch * mb * nb;
  const int64_t macs = batch * M * N * std::max<int64_t>(K, 1);
  auto run = [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t b = c / (mb * nb), ib = (c / nb) % mb, jb = c % nb;
      const int64_t i0 = ib * kMC, j0 = jb * kNC;
      block(trans_a, trans_b, K, A + b * stride_a, lda, B + b * stride_b, ldb, C + b * stride_c, ldc,
            i0, std::min(kMC, M - i0), j0, std::min(kNC, N - j0));
    }
  };
  if (macs < kMinParallelMacs) run(0, chunks);
  else parallel_for_chunks(chunks, 1, run);
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
