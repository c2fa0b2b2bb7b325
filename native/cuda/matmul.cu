// sgemm / sgemm_batched on the device: the cpu/gemm/gemm.h contract over the GEMM engine
// (gemm.cuh). Precision 'highest' runs the fp32 tiled SGEMM, 'high' the TF32 mma.sync path.
#include <mutex>
#include <vector>

#include "cuda/gemm.cuh"

namespace tf {
namespace cuda {

int sm_count() {
  static std::mutex mu;
  static std::vector<int> cache;
  int dev = 0;
  CUDA_CHECK(cudaGetDevice(&dev));
  std::lock_guard<std::mutex> lock(mu);
  if (size_t(dev) >= cache.size()) cache.resize(size_t(dev) + 1, 0);
  if (!cache[size_t(dev)]) CUDA_CHECK(cudaDeviceGetAttribute(&cache[size_t(dev)], cudaDevAttrMultiProcessorCount, dev));
  return cache[size_t(dev)];
}

int choose_ksplit(int64_t M, int64_t N, int64_t K, int64_t batch, int bm, int bn, int bk) {
  const int64_t blocks = ((M + bm - 1) / bm) * ((N + bn - 1) / bn) * batch;
  const int64_t want = 2 * int64_t(sm_count());
  if (blocks >= want) return 1;
  int64_t split = (want + blocks - 1) / blocks;
  const int64_t max_split = K / (8 * int64_t(bk));  // at least 8 k-tiles per split
  if (split > max_split) split = max_split;
  if (split > 64) split = 64;
  return split < 1 ? 1 : int(split);
}

namespace {

void gemm_dense(int variant, bool trans_a, bool trans_b, int64_t batch, int64_t M, int64_t N, int64_t K,
                float alpha, const float* A, int64_t lda, int64_t sa, const float* B, int64_t ldb, int64_t sb,
                float beta, float* C, int64_t ldc, int64_t sc, const cpu::GemmEpilogue* ep, Stream s) {
  if (M <= 0 || N <= 0 || batch <= 0) return;
  DenseOperand a{A, lda, sa, !trans_a};
  DenseOperand b{B, ldb, sb, trans_b};
  DenseStore st{C, ldc, sc, alpha, beta, ep ? ep->bias : nullptr, ep ? ep->bias_kind : 0, ep ? ep->act : 0, false};
  GemmShape g{M, N, K, batch, 1, K};
  const bool plain = beta == 0.0f && (!ep || (ep->bias_kind == 0 && ep->act == 0));
  if (variant != 1 && plain && batch == 1 && K > 0) {
    const int bm = variant == 3 ? kTcBM : kSgBM, bn = variant == 3 ? kTcBN : kSgBN, bk = variant == 3 ? kTcBK : kSgBK;
    g.ksplit = choose_ksplit(M, N, K, 1, bm, bn, bk);
    if (g.ksplit > 1) {
      CUDA_CHECK(cudaMemset2DAsync(C, size_t(ldc) * 4, 0, size_t(N) * 4, size_t(M), s));
      st.atomic = true;
    }
  }
  gemm_launch(variant, a, b, st, g, s);
}

}  // namespace

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
           const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const cpu::GemmEpilogue* ep,
           int32_t precision, Stream s) {
  gemm_dense(precision == kPrecisionHigh ? 3 : 2, trans_a, trans_b, 1, M, N, K, alpha, A, lda, 0, B, ldb, 0,
             beta, C, ldc, 0, ep, s);
}

void sgemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                   const float* A, int64_t lda, int64_t stride_a, const float* B, int64_t ldb, int64_t stride_b,
                   float beta, float* C, int64_t ldc, int64_t stride_c, const cpu::GemmEpilogue* ep,
                   int32_t precision, Stream s) {
  // NOTE: grid.z is limited to 65535: larger batches go in slices.
  for (int64_t b0 = 0; b0 < batch; b0 += 65535) {
    const int64_t nb = batch - b0 < 65535 ? batch - b0 : 65535;
    gemm_dense(precision == kPrecisionHigh ? 3 : 2, trans_a, trans_b, nb, M, N, K, alpha, A + b0 * stride_a, lda,
               stride_a, B + b0 * stride_b, ldb, stride_b, beta, C + b0 * stride_c, ldc, stride_c, ep, s);
  }
}

void sgemm_variant(int variant, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                   const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
                   Stream s) {
  gemm_dense(variant, trans_a, trans_b, 1, M, N, K, alpha, A, lda, 0, B, ldb, 0, beta, C, ldc, 0, nullptr, s);
}

}  // namespace cuda
}  // namespace tf
