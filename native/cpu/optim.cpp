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

// NOTE: each update is a plain function over restrict pointers and by-value scalars, called
// on one chunk. Written inline in the parallel_for lambda (scalars captured by reference,
// pointers that may alias them) GCC reloads every scalar after each store and does not
// vectorize: 10-50x slower.

void sgd_chunk(float* __restrict p, float* __restrict buf, const float* __restrict g, int64_t n,
               float lr, float momentum, float keep, float wd, bool nesterov, bool first, float sign) {
  if (!buf) {
    for (int64_t i = 0; i < n; ++i) p[i] -= lr * (sign * g[i] + wd * p[i]);
  } else if (first) {
    for (int64_t i = 0; i < n; ++i) {
      const float d = sign * g[i] + wd * p[i];
      buf[i] = d;
      p[i] -= lr * (nesterov ? d + momentum * d : d);
    }
  } else if (nesterov) {
    for (int64_t i = 0; i < n; ++i) {
      const float d = sign * g[i] + wd * p[i];
      const float m = momentum * buf[i] + keep * d;
      buf[i] = m;
      p[i] -= lr * (d + momentum * m);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      const float d = sign * g[i] + wd * p[i];
      const float m = momentum * buf[i] + keep * d;
      buf[i] = m;
      p[i] -= lr * m;
    }
  }
}

// The Adam moments of one element: p' (decayed), d = g + l2*p' (g negated when maximizing),
// m += (1-beta1)(d-m), v = beta2*v + (1-beta2)d².
struct Moments { float p, d, m, v; };
inline Moments moments(float p, float g, float m, float v, float l2, float sign, float beta1c, float beta2,
                       float beta2c) {
  const float d = sign * g + l2 * p;
  return {p, d, m + beta1c * (d - m), beta2 * v + beta2c * d * d};
}

template <bool kAmsgrad>
void adam_chunk(float* __restrict p, float* __restrict m, float* __restrict v, float* __restrict vmax,
                const float* __restrict g, int64_t n, float beta1c, float beta2, float beta2c, float eps,
                float l2, float shrink, float ss, float inv_bc2, float sign) {
  for (int64_t i = 0; i < n; ++i) {
    const Moments a = moments(p[i] * shrink, g[i], m[i], v[i], l2, sign, beta1c, beta2, beta2c);
    const float pi = a.p, mi = a.m, vi = a.v;
    m[i] = mi;
    v[i] = vi;
    float vv = vi;
    if (kAmsgrad) {
      vv = std::max(vmax[i], vi);
      vmax[i] = vv;
    }
    p[i] = pi - ss * mi / (std::sqrt(vv) * inv_bc2 + eps);
  }
}

template <bool kCentered, bool kMomentum>
void rmsprop_chunk(float* __restrict p, float* __restrict sq, float* __restrict ga, float* __restrict buf,
                   const float* __restrict g, int64_t n, float lr, float alpha, float alphac, float eps,
                   float wd, float momentum, float sign) {
  for (int64_t i = 0; i < n; ++i) {
    const float d = sign * g[i] + wd * p[i];
    const float s = alpha * sq[i] + alphac * d * d;
    sq[i] = s;
    float var = s;
    if (kCentered) {
      const float a = ga[i] + alphac * (d - ga[i]);
      ga[i] = a;
      var = s - a * a;
    }
    const float avg = std::sqrt(var) + eps;
    if (kMomentum) {
      const float bi = momentum * buf[i] + d / avg;
      buf[i] = bi;
      p[i] -= lr * bi;
    } else {
      p[i] -= lr * d / avg;
    }
  }
}

void adagrad_chunk(float* __restrict p, float* __restrict sum, const float* __restrict g, int64_t n,
                   float clr, float eps, float wd, float sign) {
  for (int64_t i = 0; i < n; ++i) {
    const float d = sign * g[i] + wd * p[i];
    const float s = sum[i] + d * d;
    sum[i] = s;
    p[i] -= clr * d / (std::sqrt(s) + eps);
  }
}

void adam_family_chunk(float* __restrict p, float* __restrict m, float* __restrict v, const float* __restrict g,
                       int64_t n, float beta1c, float beta2, float beta2c, float l2, float shrink, float cg, float cm,
                       float k, float eps, float sign) {
  for (int64_t i = 0; i < n; ++i) {
    const Moments a = moments(p[i] * shrink, g[i], m[i], v[i], l2, sign, beta1c, beta2, beta2c);
    m[i] = a.m;
    v[i] = a.v;
    p[i] = a.p - (cg * a.d + cm * a.m) / (std::sqrt(a.v) * k + eps);
  }
}

void adamax_chunk(float* __restrict p, float* __restrict m, float* __restrict u, const float* __restrict g, int64_t n,
                  float beta1c, float beta2, float eps, float wd, float clr, float sign) {
  for (int64_t i = 0; i < n; ++i) {
    const float d = sign * g[i] + wd * p[i];
    const float mi = m[i] + beta1c * (d - m[i]);
    const float ui = std::max(beta2 * u[i], std::fabs(d) + eps);
    m[i] = mi;
    u[i] = ui;
    p[i] -= clr * mi / ui;
  }
}

inline float* at(float* x, int64_t b) { return x ? x + b : nullptr; }
}  // namespace

void sgd_update(float* p, float* buf, const float* g, int64_t n, float lr, float momentum,
                float dampening, float weight_decay, bool nesterov, bool first, bool maximize) {
  const float sign = maximize ? -1.f : 1.f, keep = 1.f - dampening;
  float* b0 = momentum == 0.f ? nullptr : buf;
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    sgd_chunk(p + b, at(b0, b), g + b, e - b, lr, momentum, keep, weight_decay, nesterov, first, sign);
  });
}

void adam_update(float* p, float* m, float* v, float* vmax, const float* g, int64_t n, float lr,
                 float beta1, float beta2, float eps, float weight_decay, bool decoupled,
                 double step_size, double bc2_sqrt, bool maximize) {
  const float sign = maximize ? -1.f : 1.f, ss = float(step_size), inv_bc2 = float(1.0 / bc2_sqrt);
  const float l2 = decoupled ? 0.f : weight_decay, shrink = decoupled ? 1.f - lr * weight_decay : 1.f;
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    auto fn = vmax ? adam_chunk<true> : adam_chunk<false>;
    fn(p + b, m + b, v + b, at(vmax, b), g + b, e - b, 1.f - beta1, beta2, 1.f - beta2, eps, l2, shrink,
       ss, inv_bc2, sign);
  });
}

void rmsprop_update(float* p, float* sq, float* ga, float* buf, const float* g, int64_t n,
                    float lr, float alpha, float eps, float weight_decay, float momentum,
                    bool maximize) {
  const float sign = maximize ? -1.f : 1.f;
  auto fn = ga ? (buf ? rmsprop_chunk<true, true> : rmsprop_chunk<true, false>)
               : (buf ? rmsprop_chunk<false, true> : rmsprop_chunk<false, false>);
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    fn(p + b, sq + b, at(ga, b), at(buf, b), g + b, e - b, lr, alpha, 1.f - alpha, eps, weight_decay,
       momentum, sign);
  });
}

void adagrad_update(float* p, float* sum, const float* g, int64_t n, float clr, float eps,
                    float weight_decay, bool maximize) {
  const float sign = maximize ? -1.f : 1.f;
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    adagrad_chunk(p + b, sum + b, g + b, e - b, clr, eps, weight_decay, sign);
  });
}

void adam_family_update(float* p, float* m, float* v, const float* g, int64_t n, float beta1,
                        float beta2, float l2, float shrink, double cg, double cm, double k,
                        float eps, bool maximize) {
  const float sign = maximize ? -1.f : 1.f;
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    adam_family_chunk(p + b, m + b, v + b, g + b, e - b, 1.f - beta1, beta2, 1.f - beta2, l2, shrink, float(cg),
                      float(cm), float(k), eps, sign);
  });
}

void adamax_update(float* p, float* m, float* u, const float* g, int64_t n, float beta1,
                   float beta2, float eps, float weight_decay, double clr, bool maximize) {
  const float sign = maximize ? -1.f : 1.f;
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    adamax_chunk(p + b, m + b, u + b, g + b, e - b, 1.f - beta1, beta2, eps, weight_decay, float(clr), sign);
  });
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
