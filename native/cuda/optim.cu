// Fused optimizer updates, one thread per parameter element (PyTorch's update rules).
#include <cmath>

#include "cuda/common.cuh"

namespace tf {
namespace cuda {

namespace {

__global__ void adam_kernel(float* p, float* m, float* v, float* vmax, const float* g, int64_t n, float lr, float b1,
                            float b2, float eps, float wd, float step_size, float inv_bc2, bool decoupled,
                            float sign) {
  CUDA_KERNEL_LOOP(i, n) {
    // NOTE: the same float expressions as cpu/optim.cpp adam_update, so both backends agree.
    const float w = p[i] * (decoupled ? 1.0f - lr * wd : 1.0f);
    const float grad = sign * g[i] + (decoupled ? 0.0f : wd) * w;
    const float mi = m[i] + (1.0f - b1) * (grad - m[i]);
    float vi = b2 * v[i] + (1.0f - b2) * grad * grad;
    m[i] = mi;
    v[i] = vi;
    if (vmax) vi = vmax[i] = fmaxf(vmax[i], vi);
    // PyTorch: p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
    p[i] = w - step_size * mi / (sqrtf(vi) * inv_bc2 + eps);
  }
}

__global__ void sgd_kernel(float* p, float* buf, const float* g, int64_t n, float lr, float momentum,
                           float dampening, float wd, bool nesterov, bool first, float sign) {
  CUDA_KERNEL_LOOP(i, n) {
    float d = sign * g[i];
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

void adam_step(float* param, float* m, float* v, float* vmax, const float* grad, int64_t n, float lr, float beta1,
               float beta2, float eps, float weight_decay, bool decoupled, double step_size, double bc2_sqrt,
               bool maximize, Stream s) {
  if (n == 0) return;
  adam_kernel<<<grid_for(n), kThreads, 0, s>>>(param, m, v, vmax, grad, n, lr, beta1, beta2, eps, weight_decay,
                                               float(step_size), float(1.0 / bc2_sqrt), decoupled,
                                               maximize ? -1.0f : 1.0f);
  CUDA_CHECK_LAUNCH();
}

void sgd_step(float* param, float* buf, const float* grad, int64_t n, float lr, float momentum, float dampening,
              float weight_decay, bool nesterov, bool first, bool maximize, Stream s) {
  if (n == 0) return;
  sgd_kernel<<<grid_for(n), kThreads, 0, s>>>(param, buf, grad, n, lr, momentum, dampening, weight_decay, nesterov,
                                              first, maximize ? -1.0f : 1.0f);
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace tf
