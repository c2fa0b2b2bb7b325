// Naive reference GEMM: the oracle for tests of the packed kernels (same contract as
// cpu/gemm/gemm.h, accumulating in double).
#pragma once
#include <cstdint>

#include "cpu/gemm/gemm.h"

namespace tf {
namespace cpu {
namespace ref {

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
           float* C, int64_t ldc, const GemmEpilogue* ep);

void sgemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                   float alpha, const float* A, int64_t lda, int64_t stride_a,
                   const float* B, int64_t ldb, int64_t stride_b, float beta,
                   float* C, int64_t ldc, int64_t stride_c, const GemmEpilogue* ep);

}  // namespace ref
}  // namespace cpu
}  // namespace tf
