// Fused optimizer updates, one thread per parameter element (PyTorch's update rules).
#include <cmath>

#include "cuda/common.cuh"

namespace tf {
namespace cuda {

namespace {

__global__ void adam_kernel(float* p, float* m, float* v, const float* g, int64_t n, float lr, float b1, float b2,
                            float eps, float wd, float bc1, float bc2_sqrt, bool decoupled) {
  CUDA_KERNEL_LOOP(i, n) {
    float grad = g[i], w = p[i];
    if (decoupled) w *= 1.0f - lr * wd;
    else if (wd != 0.0f) grad += wd * w;
    const float mi = b1 * m[i] + (1.0f - b1) * grad;
    const float vi = b2 * v[i] + (1.0f - b2) * grad * grad;
    m[i] = mi;
    v[i] = vi;
    // PyTorch: p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
    p[i] = w - (lr / bc1) * mi / (sqrtf(vi) / bc2_sqrt + eps);
  }
}

__global__ void sgd_kernel(float* p, float* buf, const float* g, int64_t n, float lr, float momentum,
                           float dampening, float wd, bool nesterov, bool first) {
  CUDA_KERNEL_LOOP(i, n) {
    float d = g[i];
    if (wd != 0.0f) d += wd * p[i];
    if (momentum != 0.0f) {
      const float b = first ? d : momentum * buf[i] + (1.0f - dampening) * d;
      buf[i] = b;
      d = nesterov ? d + momentum * b : b;
    }
    p[i] -= lr * d;
  }
}

}  // namespace

void adam_step(float* param, float* m, float* v, const float* grad, int64_t n, float lr, float beta1, float beta2,
               float eps, float weight_decay, int64_t step, bool decoupled, Stream s) {
  if (n == 0) return;
  const float bc1 = float(1.0 - std::pow(double(beta1), double(step)));
  const float bc2_sqrt = float(std::sqrt(1.0 - std::pow(double(beta2), double(step))));
  adam_kernel<<<grid_for(n), kThreads, 0, s>>>(param, m, v, grad, n, lr, beta1, beta2, eps, weight_decay, bc1,
                                               bc2_sqrt, decoupled);
  CUDA_CHECK_LAUNCH();
}

void sgd_step(float* param, float* buf, const float* grad, int64_t n, float lr, float momentum, float dampening,
              float weight_decay, bool nesterov, bool first, Stream s) {
  if (n == 0) return;
  sgd_kernel<<<grid_for(n), kThreads, 0, s>>>(param, buf, grad, n, lr, momentum, dampening, weight_decay, nesterov,
                                              first);
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace tf
