// Batch norm and layer norm, forward and backward: one task per channel block (batch norm)
// or row block (layer norm), two-pass statistics (mean, then centred squares) for accuracy.
#include "cpu/norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/simd.h"
#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

using namespace ::tf::TF_ISA;  // simd.h: vf, kVecWidth

namespace {

// NOTE: simd.h's memcpy-based vload compiles (GCC, -mavx2 with generic tuning) to two
// 16-byte stores to the stack and a 32-byte reload, a store-forwarding stall on every
// load; vf is declared aligned(4), so a plain dereference is a legal unaligned load.
inline vf loadu(const float* p) { return *reinterpret_cast<const vf*>(p); }

float hsum(vf v) {
  float s = 0.0f;
  for (int k = 0; k < kVecWidth; ++k) s += v[k];
  return s;
}

// sum of a[i]
float vsum(const float* a, int64_t n) {
  vf s0 = {}, s1 = {};
  int64_t i = 0;
  for (; i + 2 * kVecWidth <= n; i += 2 * kVecWidth) { s0 += loadu(a + i); s1 += loadu(a + i + kVecWidth); }
  for (; i + kVecWidth <= n; i += kVecWidth) s0 += loadu(a + i);
  float s = hsum(s0 + s1);
  for (; i < n; ++i) s += a[i];
  return s;
}

// sum of a[i] * (x[i] - m)
float vdot_centered(const float* a, const float* x, float m, int64_t n) {
  const vf mv = vbroadcast(m);
  vf s0 = {}, s1 = {};
  int64_t i = 0;
  for (; i + 2 * kVecWidth <= n; i += 2 * kVecWidth) {
    s0 += loadu(a + i) * (loadu(x + i) - mv);
    s1 += loadu(a + i + kVecWidth) * (loadu(x + i + kVecWidth) - mv);
  }
  for (; i + kVecWidth <= n; i += kVecWidth) s0 += loadu(a + i) * (loadu(x + i) - mv);
  float s = hsum(s0 + s1);
  for (; i < n; ++i) s += a[i] * (x[i] - m);
  return s;
}

int64_t grain_for(int64_t work_per_item) {
  return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, work_per_item));
}

}  // namespace

void batch_norm_forward(float* y, float* save_mean, float* save_invstd, float* running_mean,
                        float* running_var, const float* x, const float* gamma,
                        const float* beta, int64_t N, int64_t C, int64_t HW, bool training,
                        float momentum, float eps) {
  const int64_t M = N * HW;
  parallel_for(C, grain_for(M), [&](int64_t c0, int64_t c1) {
    std::vector<double> s(size_t(c1 - c0), 0.0), q(size_t(c1 - c0), 0.0);
    if (training) {
      // Pass 1: means; pass 2: centred squares (the rows of a channel stay in cache).
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = c0; c < c1; ++c) s[size_t(c - c0)] += double(vsum(x + (n * C + c) * HW, HW));
      for (int64_t c = c0; c < c1; ++c) s[size_t(c - c0)] /= double(M);
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = c0; c < c1; ++c) {
          const float* row = x + (n * C + c) * HW;
          q[size_t(c - c0)] += double(vdot_centered(row, row, float(s[size_t(c - c0)]), HW));
        }
    }
    for (int64_t c = c0; c < c1; ++c) {
      double mean, var;
      if (training) {
        mean = s[size_t(c - c0)];
        var = q[size_t(c - c0)] / double(M);
        if (running_mean) running_mean[c] = float((1.0 - momentum) * running_mean[c] + momentum * mean);
        if (running_var)
          running_var[c] = float((1.0 - momentum) * running_var[c] +
                                 momentum * var * double(M) / double(std::max<int64_t>(M - 1, 1)));
      } else {
        mean = running_mean[c];
        var = running_var[c];
      }
      const double invstd = 1.0 / std::sqrt(var + double(eps));
      save_mean[c] = float(mean);
      save_invstd[c] = float(invstd);
      s[size_t(c - c0)] = (gamma ? gamma[c] : 1.0) * invstd;                        // scale
      q[size_t(c - c0)] = beta ? beta[c] : 0.0;                                      // shift
    }
    // NOTE: y = (x - mean) * scale + beta, not x * scale + (beta - mean * scale): the folded
    // form cancels catastrophically when |mean| >> std (few samples per channel).
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = c0; c < c1; ++c) {
        const float a = float(s[size_t(c - c0)]), b = float(q[size_t(c - c0)]), m = save_mean[c];
        const float* xr = x + (n * C + c) * HW;
        float* yr = y + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; ++i) yr[i] = (xr[i] - m) * a + b;
      }
  });
}

void batch_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy,
                         const float* x, const float* save_mean, const float* save_invstd,
                         const float* gamma, int64_t N, int64_t C, int64_t HW, bool training) {
  const int64_t M = N * HW;
  const bool need_sums = dgamma || dbeta || (dx && training);
  parallel_for(C, grain_for(M), [&](int64_t c0, int64_t c1) {
    std::vector<double> sdy(size_t(c1 - c0), 0.0), sdyx(size_t(c1 - c0), 0.0);
    if (need_sums)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = c0; c < c1; ++c) {
          const float* g = dy + (n * C + c) * HW;
          sdy[size_t(c - c0)] += double(vsum(g, HW));
          sdyx[size_t(c - c0)] += double(vdot_centered(g, x + (n * C + c) * HW, save_mean[c], HW));
        }
    for (int64_t c = c0; c < c1; ++c) {
      if (dgamma) dgamma[c] = float(sdyx[size_t(c - c0)] * save_invstd[c]);
      if (dbeta) dbeta[c] = float(sdy[size_t(c - c0)]);
    }
    if (!dx) return;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = c0; c < c1; ++c) {
        const double invstd = save_invstd[c], scale = (gamma ? gamma[c] : 1.0) * invstd;
        const float* g = dy + (n * C + c) * HW;
        float* d = dx + (n * C + c) * HW;
        if (!training) {
          const float a = float(scale);
          for (int64_t i = 0; i < HW; ++i) d[i] = g[i] * a;
          continue;
        }
        // dx = scale * (dy - mean(dy) - (x - mean) * invstd^2 * mean(dy * (x - mean)))
        const float a = float(scale), m = save_mean[c];
        const float b = float(sdy[size_t(c - c0)] / double(M));
        const float k = float(invstd * invstd * sdyx[size_t(c - c0)] / double(M));
        const float* xr = x + (n * C + c) * HW;
        for (int64_t i = 0; i < HW; ++i) d[i] = a * (g[i] - b - (xr[i] - m) * k);
      }
  });
}

void layer_norm_forward(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                        const float* beta, int64_t M, int64_t D, float eps) {
  parallel_for(M, grain_for(D), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * D;
      float* yr = y + r * D;
      const float m = D > 0 ? vsum(xr, D) / float(D) : 0.0f;
      const float var = D > 0 ? vdot_centered(xr, xr, m, D) / float(D) : 0.0f;
      const float rs = 1.0f / std::sqrt(var + eps);
      mean[r] = m;
      rstd[r] = rs;
      for (int64_t i = 0; i < D; ++i) {
        float v = (xr[i] - m) * rs;
        if (gamma) v *= gamma[i];
        if (beta) v += beta[i];
        yr[i] = v;
      }
    }
  });
}

void layer_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                         const float* mean, const float* rstd, const float* gamma, int64_t M,
                         int64_t D) {
  const bool params = dgamma || dbeta;
  const int64_t threads = current_num_threads();
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(threads, M / std::max<int64_t>(1, grain_for(D))));
  std::vector<double> acc(params ? size_t(chunks * 2 * D) : 0, 0.0);  // per chunk: dgamma, dbeta
  parallel_for(chunks, 1, [&](int64_t k0, int64_t k1) {
    std::vector<float> gdy(static_cast<size_t>(D));
    for (int64_t k = k0; k < k1; ++k) {
      double* dg = params ? acc.data() + k * 2 * D : nullptr;
      for (int64_t r = k * M / chunks; r < (k + 1) * M / chunks; ++r) {
        const float* g = dy + r * D;
        const float* xr = x + r * D;
        const float m = mean[r], rs = rstd[r];
        if (params)
          for (int64_t i = 0; i < D; ++i) {
            dg[i] += double(g[i]) * double((xr[i] - m) * rs);
            dg[D + i] += double(g[i]);
          }
        if (!dx) continue;
        for (int64_t i = 0; i < D; ++i) gdy[size_t(i)] = gamma ? g[i] * gamma[i] : g[i];
        // dx = rstd * (gdy - mean(gdy) - xhat * mean(gdy * xhat))
        const float a = vsum(gdy.data(), D) / float(D);
        const float b = vdot_centered(gdy.data(), xr, m, D) * rs / float(D);
        float* d = dx + r * D;
        for (int64_t i = 0; i < D; ++i) d[i] = rs * (gdy[size_t(i)] - a - (xr[i] - m) * rs * b);
      }
    }
  });
  for (int64_t i = 0; i < D && params; ++i) {
    double sg = 0.0, sb = 0.0;
    for (int64_t k = 0; k < chunks; ++k) {
      sg += acc[size_t(k * 2 * D + i)];
      sb += acc[size_t(k * 2 * D + D + i)];
    }
    if (dgamma) dgamma[i] = float(sg);
    if (dbeta) dbeta[i] = float(sb);
  }
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
