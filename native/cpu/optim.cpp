#include "cpu/optim.h"

#include <algorithm>
#include <cmath>

#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

namespace {
// Elementwise updates are memory bound: split large parameters into chunks of this many
// elements (a chunk streams ~0.5-1 MB through the cache).
constexpr int64_t kGrain = 1 << 15;
}  // namespace

void sgd_update(float* p, float* buf, const float* g, int64_t n, float lr, float momentum,
                float dampening, float weight_decay, bool nesterov, bool first, bool maximize) {
  const float sign = maximize ? -1.f : 1.f, keep = 1.f - dampening;
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    if (momentum == 0.f) {
      for (int64_t i = b; i < e; ++i) p[i] -= lr * (sign * g[i] + weight_decay * p[i]);
      return;
    }
    for (int64_t i = b; i < e; ++i) {
      const float d = sign * g[i] + weight_decay * p[i];
      const float m = first ? d : momentum * buf[i] + keep * d;
      buf[i] = m;
      p[i] -= lr * (nesterov ? d + momentum * m : m);
    }
  });
}

void adam_update(float* p, float* m, float* v, float* vmax, const float* g, int64_t n, float lr,
                 float beta1, float beta2, float eps, float weight_decay, bool decoupled,
                 double step_size, double bc2_sqrt, bool maximize) {
  const float sign = maximize ? -1.f : 1.f, ss = float(step_size), inv_bc2 = float(1.0 / bc2_sqrt);
  const float one_b1 = 1.f - beta1, one_b2 = 1.f - beta2;
  const float l2 = decoupled ? 0.f : weight_decay, shrink = decoupled ? 1.f - lr * weight_decay : 1.f;
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float pi = p[i] * shrink;
      const float d = sign * g[i] + l2 * pi;
      const float mi = m[i] + one_b1 * (d - m[i]);
      const float vi = beta2 * v[i] + one_b2 * d * d;
      m[i] = mi;
      v[i] = vi;
      float vv = vi;
      if (vmax) { vv = std::max(vmax[i], vi); vmax[i] = vv; }
      p[i] = pi - ss * mi / (std::sqrt(vv) * inv_bc2 + eps);
    }
  });
}

void rmsprop_update(float* p, float* sq, float* ga, float* buf, const float* g, int64_t n,
                    float lr, float alpha, float eps, float weight_decay, float momentum,
                    bool maximize) {
  const float sign = maximize ? -1.f : 1.f, one_a = 1.f - alpha;
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float d = sign * g[i] + weight_decay * p[i];
      const float s = alpha * sq[i] + one_a * d * d;
      sq[i] = s;
      float var = s;
      if (ga) {
        const float a = ga[i] + one_a * (d - ga[i]);
        ga[i] = a;
        var = s - a * a;
      }
      const float avg = std::sqrt(var) + eps;
      if (buf) {
        const float bi = momentum * buf[i] + d / avg;
        buf[i] = bi;
        p[i] -= lr * bi;
      } else {
        p[i] -= lr * d / avg;
      }
    }
  });
}

void adagrad_update(float* p, float* sum, const float* g, int64_t n, float clr, float eps,
                    float weight_decay, bool maximize) {
  const float sign = maximize ? -1.f : 1.f;
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float d = sign * g[i] + weight_decay * p[i];
      const float s = sum[i] + d * d;
      sum[i] = s;
      p[i] -= clr * d / (std::sqrt(s) + eps);
    }
  });
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
