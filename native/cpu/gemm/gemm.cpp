// Interim GEMM: correct, cache-aware loop order, threaded over rows of C.
// NOTE: the fast-CPU issue replaces the body with the packed BLIS-style kernel; the
// signature in gemm.h is the contract.
#include "cpu/gemm/gemm.h"

#include <algorithm>
#include <vector>

#include "cpu/simd.h"
#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

namespace {
void apply_epilogue(float* C, int64_t ldc, int64_t m0, int64_t m1, int64_t N, const GemmEpilogue* ep) {
  if (!ep) return;
  for (int64_t i = m0; i < m1; ++i) {
    float* c = C + i * ldc;
    if (ep->bias_kind == kBiasPerCol)
      for (int64_t j = 0; j < N; ++j) c[j] += ep->bias[j];
    else if (ep->bias_kind == kBiasPerRow)
      for (int64_t j = 0; j < N; ++j) c[j] += ep->bias[i];
    if (ep->act == kActRelu)
      for (int64_t j = 0; j < N; ++j) c[j] = c[j] > 0.0f ? c[j] : 0.0f;
  }
}
}  // namespace

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
           float* C, int64_t ldc, const GemmEpilogue* ep) {
  if (M <= 0 || N <= 0) return;
  parallel_for(M, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, N * std::max<int64_t>(K, 1))), [&](int64_t m0, int64_t m1) {
    std::vector<float> brow(trans_b ? size_t(N) : 0);
    for (int64_t i = m0; i < m1; ++i) {
      float* c = C + i * ldc;
      if (beta == 0.0f) std::fill(c, c + N, 0.0f);
      else if (beta != 1.0f) for (int64_t j = 0; j < N; ++j) c[j] *= beta;
      for (int64_t k = 0; k < K; ++k) {
        float a = alpha * (trans_a ? A[k * lda + i] : A[i * lda + k]);
        if (!trans_b) {
          const float* b = B + k * ldb;
          for (int64_t j = 0; j < N; ++j) c[j] += a * b[j];
        } else {
          for (int64_t j = 0; j < N; ++j) c[j] += a * B[j * ldb + k];
        }
      }
    }
    apply_epilogue(C, ldc, m0, m1, N, ep);
  });
}

void sgemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                   float alpha, const float* A, int64_t lda, int64_t stride_a,
                   const float* B, int64_t ldb, int64_t stride_b, float beta,
                   float* C, int64_t ldc, int64_t stride_c, const GemmEpilogue* ep) {
  for (int64_t b = 0; b < batch; ++b)
    sgemm(trans_a, trans_b, M, N, K, alpha, A + b * stride_a, lda, B + b * stride_b, ldb, beta,
          C + b * stride_c, ldc, ep);
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
