// Softmax / log-softmax over the last dim and the fused cross-entropy: one block per row.
#include <cmath>

#include "cuda/common.cuh"

namespace tf {
namespace cuda {

namespace {

constexpr int kRowThreads = 256;

// Row max and sum(exp(x - max)) for the calling block.
__device__ __forceinline__ void row_stats(const float* x, int64_t C, float* mx, float* sum) {
  float m = -INFINITY;
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) m = fmaxf(m, x[j]);
  m = block_max(m);
  float s = 0.0f;
  for (int64_t j = threadIdx.x; j < C; j += blockDim.x) s += expf(x[j] - m);
  s = block_sum(s);
  *mx = m;
  *sum = s;
}

// Row r of [outer, n, inner] starts at (r / inner) * n * inner + r % inner, stride inner.
__global__ void softmax_forward_kernel(float* y, const float* x, int64_t R, int64_t n, int64_t inner, bool log) {
  for (int64_t r = blockIdx.x; r < R; r += gridDim.x) {
    const int64_t base = (r / inner) * n * inner + r % inner;
    const float* xr = x + base;
    float* yr = y + base;
    float m = -INFINITY;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, xr[j * inner]);
    m = block_max(m);
    float s = 0.0f;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) s += expf(xr[j * inner] - m);
    s = block_sum(s);
    if (log) {
      const float ls = m + logf(s);
      for (int64_t j = threadIdx.x; j < n; j += blockDim.x) yr[j * inner] = xr[j * inner] - ls;
    } else {
      const float inv = 1.0f / s;
      for (int64_t j = threadIdx.x; j < n; j += blockDim.x) yr[j * inner] = expf(xr[j * inner] - m) * inv;
    }
  }
}

__global__ void softmax_backward_kernel(float* dx, const float* dy, const float* y, int64_t R, int64_t n,
                                        int64_t inner, bool log) {
  for (int64_t r = blockIdx.x; r < R; r += gridDim.x) {
    const int64_t base = (r / inner) * n * inner + r % inner;
    const float* g = dy + base;
    const float* yr = y + base;
    float* o = dx + base;
    float acc = 0.0f;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) acc += log ? g[j * inner] : g[j * inner] * yr[j * inner];
    acc = block_sum(acc);
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x)
      o[j * inner] = log ? g[j * inner] - expf(yr[j * inner]) * acc : yr[j * inner] * (g[j * inner] - acc);
  }
}

__global__ void ce_forward_kernel(float* loss, float* lse, const float* logits, const int32_t* target,
                                  int64_t N, int64_t C, int32_t ignore_index) {
  for (int64_t n = blockIdx.x; n < N; n += gridDim.x) {
    const float* xr = logits + n * C;
    float m, s;
    row_stats(xr, C, &m, &s);
    if (threadIdx.x == 0) {
      const float l = m + logf(s);
      const int32_t t = target[n];
      lse[n] = l;
      loss[n] = t == ignore_index ? 0.0f : (t < 0 || int64_t(t) >= C) ? NAN : l - xr[t];
    }
  }
}

__global__ void ce_backward_kernel(float* dlogits, const float* dloss, const float* logits, const float* lse,
                                   const int32_t* target, int64_t N, int64_t C, int32_t ignore_index) {
  const int64_t total = N * C;
  CUDA_KERNEL_LOOP(i, total) {
    const int64_t n = i / C, j = i - n * C;
    const int32_t t = target[n];
    const bool valid = t != ignore_index && t >= 0 && int64_t(t) < C;
    dlogits[i] = valid ? dloss[n] * (expf(logits[i] - lse[n]) - (j == t ? 1.0f : 0.0f)) : 0.0f;
  }
}

unsigned rows_grid(int64_t R) { return unsigned(R < 65535 * 16 ? R : 65535 * 16); }

}  // namespace

void softmax_forward(float* y, const float* x, int64_t outer, int64_t n, int64_t inner, bool log, Stream s) {
  const int64_t R = outer * inner;
  if (R == 0 || n == 0) return;
  softmax_forward_kernel<<<rows_grid(R), kRowThreads, 0, s>>>(y, x, R, n, inner, log);
  CUDA_CHECK_LAUNCH();
}

void softmax_backward(float* dx, const float* dy, const float* y, int64_t outer, int64_t n, int64_t inner, bool log,
                      Stream s) {
  const int64_t R = outer * inner;
  if (R == 0 || n == 0) return;
  softmax_backward_kernel<<<rows_grid(R), kRowThreads, 0, s>>>(dx, dy, y, R, n, inner, log);
  CUDA_CHECK_LAUNCH();
}

void cross_entropy_forward(float* loss, float* lse, const float* logits, const int32_t* target, int64_t N,
                           int64_t C, int32_t ignore_index, Stream s) {
  if (N == 0) return;
  ce_forward_kernel<<<rows_grid(N), kRowThreads, 0, s>>>(loss, lse, logits, target, N, C, ignore_index);
  CUDA_CHECK_LAUNCH();
}

void cross_entropy_backward(float* dlogits, const float* dloss, const float* logits, const float* lse,
                            const int32_t* target, int64_t N, int64_t C, int32_t ignore_index, Stream s) {
  if (N == 0 || C == 0) return;
  ce_backward_kernel<<<grid_for(N * C), kThreads, 0, s>>>(dlogits, dloss, logits, lse, target, N, C, ignore_index);
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace tf
