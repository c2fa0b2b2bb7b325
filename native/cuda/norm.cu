// Batch normalization over x [N, C, S]: one block per channel computes the statistics
// (two passes: mean, then centred variance) and writes its slice of the output. Group
// normalization: one block per (n, group), the same two passes over its C/G * S elements.
#include <cmath>

#include "cuda/common.cuh"

namespace tf {
namespace cuda {

namespace {

constexpr int kNormThreads = 512;

__global__ void bn_train_kernel(float* y, float* save_mean, float* save_invstd, float* running_mean,
                                float* running_var, const float* x, const float* gamma, const float* beta,
                                int64_t N, int64_t C, int64_t S, float momentum, float eps) {
  const int64_t cnt = N * S;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    float acc = 0.0f;
    for (int64_t i = threadIdx.x; i < cnt; i += blockDim.x) {
      const int64_t n = i / S, s = i - n * S;
      acc += x[(n * C + c) * S + s];
    }
    const float mean = block_sum(acc) / float(cnt);
    acc = 0.0f;
    for (int64_t i = threadIdx.x; i < cnt; i += blockDim.x) {
      const int64_t n = i / S, s = i - n * S;
      const float d = x[(n * C + c) * S + s] - mean;
      acc += d * d;
    }
    const float var = block_sum(acc) / float(cnt);
    const float invstd = rsqrtf(var + eps);
    const float g = gamma ? gamma[c] : 1.0f, b = beta ? beta[c] : 0.0f;
    for (int64_t i = threadIdx.x; i < cnt; i += blockDim.x) {
      const int64_t n = i / S, s = i - n * S, o = (n * C + c) * S + s;
      y[o] = (x[o] - mean) * invstd * g + b;
    }
    if (threadIdx.x == 0) {
      save_mean[c] = mean;
      save_invstd[c] = invstd;
      if (running_mean) running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * mean;
      if (running_var) {
        const float unbiased = cnt > 1 ? var * float(cnt) / float(cnt - 1) : var;
        running_var[c] = (1.0f - momentum) * running_var[c] + momentum * unbiased;
      }
    }
    __syncthreads();
  }
}

__global__ void bn_eval_kernel(float* y, float* sm, float* si, const float* x, const float* rm, const float* rv,
                               const float* gamma, const float* beta, int64_t N, int64_t C, int64_t S, float eps) {
  const int64_t total = N * C * S;
  CUDA_KERNEL_LOOP(i, total) {
    const int64_t c = (i / S) % C;
    const float g = gamma ? gamma[c] : 1.0f, b = beta ? beta[c] : 0.0f;
    const float is = 1.0f / sqrtf(rv[c] + eps);
    y[i] = (x[i] - rm[c]) * is * g + b;
  }
  CUDA_KERNEL_LOOP(c, C) {
    if (sm) sm[c] = rm[c];
    if (si) si[c] = 1.0f / sqrtf(rv[c] + eps);
  }
}

__global__ void bn_backward_kernel(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                                   const float* mean, const float* invstd, const float* gamma, int64_t N,
                                   int64_t C, int64_t S, bool training) {
  const int64_t cnt = N * S;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    const float mu = mean[c], is = invstd[c];
    float sdy = 0.0f, sdyx = 0.0f;
    for (int64_t i = threadIdx.x; i < cnt; i += blockDim.x) {
      const int64_t n = i / S, s = i - n * S, o = (n * C + c) * S + s;
      sdy += dy[o];
      sdyx += dy[o] * (x[o] - mu) * is;
    }
    sdy = block_sum(sdy);
    sdyx = block_sum(sdyx);
    const float g = gamma ? gamma[c] : 1.0f;
    const float k = g * is / float(cnt);
    if (dx) {
      for (int64_t i = threadIdx.x; i < cnt; i += blockDim.x) {
        const int64_t n = i / S, s = i - n * S, o = (n * C + c) * S + s;
        const float xhat = (x[o] - mu) * is;
        // eval: the statistics are constants, so dx is just the scaled gradient
        dx[o] = training ? k * (float(cnt) * dy[o] - sdy - xhat * sdyx) : dy[o] * g * is;
      }
    }
    if (threadIdx.x == 0) {
      if (dgamma) dgamma[c] = sdyx;
      if (dbeta) dbeta[c] = sdy;
    }
    __syncthreads();
  }
}

// Block t = n * G + g owns x[t * D, (t + 1) * D), D = (C / G) * S.
__global__ void gn_forward_kernel(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                                  const float* beta, int64_t NG, int64_t G, int64_t Cg, int64_t S, float eps) {
  const int64_t D = Cg * S;
  for (int64_t t = blockIdx.x; t < NG; t += gridDim.x) {
    const float* xg = x + t * D;
    float acc = 0.0f;
    for (int64_t i = threadIdx.x; i < D; i += blockDim.x) acc += xg[i];
    const float mu = D > 0 ? block_sum(acc) / float(D) : 0.0f;
    acc = 0.0f;
    for (int64_t i = threadIdx.x; i < D; i += blockDim.x) {
      const float d = xg[i] - mu;
      acc += d * d;
    }
    const float var = D > 0 ? block_sum(acc) / float(D) : 0.0f;
    const float rs = rsqrtf(var + eps);
    const int64_t c0 = (t % G) * Cg;
    for (int64_t i = threadIdx.x; i < D; i += blockDim.x) {
      const int64_t c = c0 + i / S;
      const float g = gamma ? gamma[c] : 1.0f, b = beta ? beta[c] : 0.0f;
      y[t * D + i] = (xg[i] - mu) * rs * g + b;
    }
    if (threadIdx.x == 0) {
      mean[t] = mu;
      rstd[t] = rs;
    }
    __syncthreads();
  }
}

// dx per (n, g) block: rstd * (gdy - mean(gdy) - xhat * mean(gdy * xhat)), gdy = gamma * dy.
__global__ void gn_backward_input_kernel(float* dx, const float* dy, const float* x, const float* mean,
                                         const float* rstd, const float* gamma, int64_t NG, int64_t G, int64_t Cg,
                                         int64_t S) {
  const int64_t D = Cg * S;
  for (int64_t t = blockIdx.x; t < NG; t += gridDim.x) {
    const float mu = mean[t], rs = rstd[t];
    const int64_t c0 = (t % G) * Cg;
    float a = 0.0f, b = 0.0f;
    for (int64_t i = threadIdx.x; i < D; i += blockDim.x) {
      const float gdy = dy[t * D + i] * (gamma ? gamma[c0 + i / S] : 1.0f);
      a += gdy;
      b += gdy * (x[t * D + i] - mu);
    }
    a = block_sum(a);
    b = block_sum(b);
    const float ma = D > 0 ? a / float(D) : 0.0f, k = D > 0 ? b * rs * rs / float(D) : 0.0f;
    for (int64_t i = threadIdx.x; i < D; i += blockDim.x) {
      const float gdy = dy[t * D + i] * (gamma ? gamma[c0 + i / S] : 1.0f);
      dx[t * D + i] = rs * (gdy - ma - (x[t * D + i] - mu) * k);
    }
    __syncthreads();
  }
}

// dgamma[c] = sum over n, s of dy * xhat; dbeta[c] = sum of dy: one block per channel.
__global__ void gn_backward_params_kernel(float* dgamma, float* dbeta, const float* dy, const float* x,
                                          const float* mean, const float* rstd, int64_t N, int64_t C, int64_t G,
                                          int64_t S) {
  const int64_t cnt = N * S, Cg = C / G;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    float sdy = 0.0f, sdyx = 0.0f;
    for (int64_t i = threadIdx.x; i < cnt; i += blockDim.x) {
      const int64_t n = i / S, o = (n * C + c) * S + (i - n * S), t = n * G + c / Cg;
      sdy += dy[o];
      sdyx += dy[o] * (x[o] - mean[t]) * rstd[t];
    }
    sdy = block_sum(sdy);
    sdyx = block_sum(sdyx);
    if (threadIdx.x == 0) {
      if (dgamma) dgamma[c] = sdyx;
      if (dbeta) dbeta[c] = sdy;
    }
    __syncthreads();
  }
}

unsigned channel_grid(int64_t C) { return unsigned(C < 65535 ? C : 65535); }

}  // namespace

void batch_norm_forward_train(float* y, float* save_mean, float* save_invstd, float* running_mean, float* running_var,
                              const float* x, const float* gamma, const float* beta, int64_t N, int64_t C, int64_t S,
                              float momentum, float eps, Stream s) {
  if (C == 0) return;
  bn_train_kernel<<<channel_grid(C), kNormThreads, 0, s>>>(y, save_mean, save_invstd, running_mean, running_var, x,
                                                           gamma, beta, N, C, S, momentum, eps);
  CUDA_CHECK_LAUNCH();
}

void batch_norm_forward_eval(float* y, float* save_mean, float* save_invstd, const float* x,
                             const float* running_mean, const float* running_var, const float* gamma,
                             const float* beta, int64_t N, int64_t C, int64_t S, float eps, Stream s) {
  const int64_t n = N * C * S;
  if (n == 0 && C == 0) return;
  bn_eval_kernel<<<grid_for(n > C ? n : C), kThreads, 0, s>>>(y, save_mean, save_invstd, x, running_mean, running_var,
                                                             gamma, beta, N, C, S, eps);
  CUDA_CHECK_LAUNCH();
}

void batch_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                         const float* save_mean, const float* save_invstd, const float* gamma, int64_t N, int64_t C,
                         int64_t S, bool training, Stream s) {
  if (C == 0) return;
  bn_backward_kernel<<<channel_grid(C), kNormThreads, 0, s>>>(dx, dgamma, dbeta, dy, x, save_mean, save_invstd, gamma,
                                                              N, C, S, training);
  CUDA_CHECK_LAUNCH();
}

void group_norm_forward(float* y, float* mean, float* rstd, const float* x, const float* gamma, const float* beta,
                        int64_t N, int64_t C, int64_t S, int64_t G, float eps, Stream s) {
  if (N * G == 0) return;
  gn_forward_kernel<<<channel_grid(N * G), kNormThreads, 0, s>>>(y, mean, rstd, x, gamma, beta, N * G, G, C / G, S,
                                                                 eps);
  CUDA_CHECK_LAUNCH();
}

void group_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* mean,
                         const float* rstd, const float* gamma, int64_t N, int64_t C, int64_t S, int64_t G,
                         Stream s) {
  if (dx && N * G > 0) {
    gn_backward_input_kernel<<<channel_grid(N * G), kNormThreads, 0, s>>>(dx, dy, x, mean, rstd, gamma, N * G, G,
                                                                          C / G, S);
    CUDA_CHECK_LAUNCH();
  }
  if ((dgamma || dbeta) && C > 0) {
    gn_backward_params_kernel<<<channel_grid(C), kNormThreads, 0, s>>>(dgamma, dbeta, dy, x, mean, rstd, N, C, G, S);
    CUDA_CHECK_LAUNCH();
  }
}

}  // namespace cuda
}  // namespace tf
