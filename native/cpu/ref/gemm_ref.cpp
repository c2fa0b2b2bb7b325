// Naive reference GEMM: triple loop, double accumulation, then alpha/beta and the epilogue
// exactly as gemm.h specifies. Slow on purpose; kept forever as the test oracle.
#include "cpu/ref/gemm_ref.h"

namespace tf {
namespace cpu {
namespace ref {

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
           float* C, int64_t ldc, const GemmEpilogue* ep) {
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      double acc = 0.0;
      for (int64_t k = 0; k < K; ++k) {
        const float a = trans_a ? A[k * lda + i] : A[i * lda + k];
        const float b = trans_b ? B[j * ldb + k] : B[k * ldb + j];
        acc += double(a) * double(b);
      }
      float* c = C + i * ldc + j;
      double v = double(alpha) * acc;
      if (beta != 0.0f) v += double(beta) * double(*c);
      if (ep && ep->bias && ep->bias_kind == kBiasPerCol) v += ep->bias[j];
      if (ep && ep->bias && ep->bias_kind == kBiasPerRow) v += ep->bias[i];
      if (ep && ep->act == kActRelu && !(v > 0.0)) v = 0.0;
      *c = float(v);
    }
  }
}

void sgemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                   float alpha, const float* A, int64_t lda, int64_t stride_a,
                   const float* B, int64_t ldb, int64_t stride_b, float beta,
                   float* C, int64_t ldc, int64_t stride_c, const GemmEpilogue* ep) {
  for (int64_t b = 0; b < batch; ++b)
    sgemm(trans_a, trans_b, M, N, K, alpha, A + b * stride_a, lda, B + b * stride_b, ldb, beta,
          C + b * stride_c, ldc, ep);
}

}  // namespace ref
}  // namespace cpu
}  // namespace tf
