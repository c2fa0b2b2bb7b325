// Batch, layer and group norm, forward and backward: one task per channel block (batch
// norm), row block (layer norm) or (n, group) (group norm), two-pass statistics (mean, then
// centred squares) for accuracy.
#include "cpu/norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/simd.h"
#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

using namespace ::tf::TF_ISA;  // simd.h: vf, vload, kVecWidth

namespace {

float hsum(vf v) {
  float s = 0.0f;
  for (int k = 0; k < kVecWidth; ++k) s += v[k];
  return s;
}

// sum of a[i]
float vsum(const float* a, int64_t n) {
  vf s0 = {}, s1 = {};
  int64_t i = 0;
  for (; i + 2 * kVecWidth <= n; i += 2 * kVecWidth) { s0 += vload(a + i); s1 += vload(a + i + kVecWidth); }
  for (; i + kVecWidth <= n; i += kVecWidth) s0 += vload(a + i);
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
    s0 += vload(a + i) * (vload(x + i) - mv);
    s1 += vload(a + i + kVecWidth) * (vload(x + i + kVecWidth) - mv);
  }
  for (; i + kVecWidth <= n; i += kVecWidth) s0 += vload(a + i) * (vload(x + i) - mv);
  float s = hsum(s0 + s1);
  for (; i < n; ++i) s += a[i] * (x[i] - m);
  return s;
}

// *sd = sum of (x[i] - m), *sd2 = sum of (x[i] - m)^2: with m a first estimate of the mean,
// mean = m + sd/n and var = sd2/n - (sd/n)^2 (the corrected two-pass algorithm). NOTE: not
// sum x*(x - m), which is off by m * sd: ruinous when the mean is large next to the spread.
void vdev_sums(const float* x, float m, int64_t n, float* sd, float* sd2) {
  const vf mv = vbroadcast(m);
  vf s0 = {}, s1 = {}, q0 = {}, q1 = {};
  int64_t i = 0;
  for (; i + 2 * kVecWidth <= n; i += 2 * kVecWidth) {
    const vf d0 = vload(x + i) - mv, d1 = vload(x + i + kVecWidth) - mv;
    s0 += d0; s1 += d1;
    q0 += d0 * d0; q1 += d1 * d1;
  }
  for (; i + kVecWidth <= n; i += kVecWidth) { const vf d = vload(x + i) - mv; s0 += d; q0 += d * d; }
  float s = hsum(s0 + s1), q = hsum(q0 + q1);
  for (; i < n; ++i) { const float d = x[i] - m; s += d; q += d * d; }
  *sd = s;
  *sd2 = q;
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
      std::vector<double> d(size_t(c1 - c0), 0.0);
      for (int64_t n = 0; n < N; ++n)
        for (int64_t c = c0; c < c1; ++c) {
          float sd, sd2;
          vdev_sums(x + (n * C + c) * HW, float(s[size_t(c - c0)]), HW, &sd, &sd2);
          d[size_t(c - c0)] += double(sd);
          q[size_t(c - c0)] += double(sd2);
        }
      for (int64_t c = c0; c < c1; ++c) {  // mean and centred squares about the exact mean
        const double dm = d[size_t(c - c0)] / double(M);
        s[size_t(c - c0)] = double(float(s[size_t(c - c0)])) + dm;
        q[size_t(c - c0)] = std::max(0.0, q[size_t(c - c0)] - double(M) * dm * dm);
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
      s[size_t(c - c0)] = (gamma ? gamma[c] : 1.0) * invstd;  // scale
      q[size_t(c - c0)] = beta ? beta[c] : 0.0;                // shift
    }
    // NOTE: y = (x - mean) * scale + beta, not x * scale + (beta - mean * scale): the latter
    // cancels two large terms when |mean| is large next to the spread.
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
      const float m0 = D > 0 ? vsum(xr, D) / float(D) : 0.0f;
      float sd = 0.0f, sd2 = 0.0f;
      vdev_sums(xr, m0, D, &sd, &sd2);
      const float dm = D > 0 ? sd / float(D) : 0.0f, m = m0 + dm;
      const float var = D > 0 ? std::max(0.0f, sd2 / float(D) - dm * dm) : 0.0f;
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

void group_norm_forward(float* y, float* mean, float* rstd, const float* x, const float* gamma,
                        const float* beta, int64_t N, int64_t C, int64_t HW, int64_t G, float eps) {
  const int64_t Cg = C / G, D = Cg * HW;
  // Task t = n * G + g owns the contiguous block x[t * D, (t + 1) * D) (channels g*Cg.. of n).
  parallel_for(N * G, grain_for(D), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* xg = x + t * D;
      float* yg = y + t * D;
      const int64_t c0 = (t % G) * Cg;
      // A first mean from per-channel sums (in double: a group can be large), then the
      // deviations from it: the same corrected two-pass as layer norm.
      double s = 0.0, sd = 0.0, sd2 = 0.0;
      for (int64_t c = 0; c < Cg; ++c) s += double(vsum(xg + c * HW, HW));
      const float m0 = D > 0 ? float(s / double(D)) : 0.0f;
      for (int64_t c = 0; c < Cg; ++c) {
        float a, b;
        vdev_sums(xg + c * HW, m0, HW, &a, &b);
        sd += double(a);
        sd2 += double(b);
      }
      const double dm = D > 0 ? sd / double(D) : 0.0;
      const double var = D > 0 ? std::max(0.0, sd2 / double(D) - dm * dm) : 0.0;
      const float m = float(double(m0) + dm), rs = float(1.0 / std::sqrt(var + double(eps)));
      mean[t] = m;
      rstd[t] = rs;
      for (int64_t c = 0; c < Cg; ++c) {
        const float a = gamma ? gamma[c0 + c] * rs : rs, b = beta ? beta[c0 + c] : 0.0f;
        const float* xr = xg + c * HW;
        float* yr = yg + c * HW;
        for (int64_t i = 0; i < HW; ++i) yr[i] = (xr[i] - m) * a + b;
      }
    }
  });
}

void group_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                         const float* mean, const float* rstd, const float* gamma, int64_t N,
                         int64_t C, int64_t HW, int64_t G) {
  const int64_t Cg = C / G, D = Cg * HW;
  const bool params = dgamma || dbeta;
  // Per (n, c): sum dy and sum dy * (x - mean), kept for dgamma/dbeta (reduced over n below,
  // so the (n, g) tasks never write the same [C] entry).
  std::vector<double> sums(params ? size_t(N * C * 2) : 0, 0.0);
  parallel_for(N * G, grain_for(D), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const float* xg = x + t * D;
      const float* gg = dy + t * D;
      const int64_t n = t / G, c0 = (t % G) * Cg;
      const float m = mean[t], rs = rstd[t];
      double a = 0.0, b = 0.0;  // sum gamma * dy, sum gamma * dy * (x - mean) over the group
      for (int64_t c = 0; c < Cg; ++c) {
        const float sdy = vsum(gg + c * HW, HW), sdyx = vdot_centered(gg + c * HW, xg + c * HW, m, HW);
        if (params) {
          sums[size_t((n * C + c0 + c) * 2)] = double(sdy);
          sums[size_t((n * C + c0 + c) * 2 + 1)] = double(sdyx);
        }
        const double w = gamma ? gamma[c0 + c] : 1.0;
        a += w * double(sdy);
        b += w * double(sdyx);
      }
      if (!dx || D == 0) continue;
      // dx = rstd * (gdy - mean(gdy) - xhat * mean(gdy * xhat)), gdy = gamma * dy,
      // xhat = (x - mean) * rstd; over the group's D elements.
      const float ma = float(a / double(D)), k = float(b * double(rs) * double(rs) / double(D));
      for (int64_t c = 0; c < Cg; ++c) {
        const float w = gamma ? gamma[c0 + c] : 1.0f;
        const float* g = gg + c * HW;
        const float* xr = xg + c * HW;
        float* d = dx + t * D + c * HW;
        for (int64_t i = 0; i < HW; ++i) d[i] = rs * (w * g[i] - ma - (xr[i] - m) * k);
      }
    }
  });
  if (!params) return;
  parallel_for(C, grain_for(2 * N), [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double sg = 0.0, sb = 0.0;
      for (int64_t n = 0; n < N; ++n) {
        sb += sums[size_t((n * C + c) * 2)];
        sg += sums[size_t((n * C + c) * 2 + 1)] * double(rstd[n * G + c / Cg]);
      }
      if (dgamma) dgamma[c] = float(sg);
      if (dbeta) dbeta[c] = float(sb);
    }
  });
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
