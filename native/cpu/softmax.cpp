// Softmax, log-softmax and fused softmax + cross-entropy (forward and backward).
// Rows are split across the thread pool; each row is max-subtracted before exp.
#include "cpu/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/simd.h"
#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

using namespace ::tf::TF_ISA;  // vf, vbroadcast, kVecWidth (simd.h)

namespace {

constexpr int64_t kWorkPerTask = 16384;  // elements of work a thread task should get at least
constexpr int64_t kInnerBlock = 64;      // inner columns handled together when inner > 1

int64_t grain_for(int64_t work_per_item) {
  return std::max<int64_t>(1, kWorkPerTask / std::max<int64_t>(1, work_per_item));
}

constexpr int64_t W = kVecWidth;

inline vf ld(const float* p) { return vload(p); }
inline void st(float* p, vf v) { vstore(p, v); }

// exp(x[c * stride] - shift) for c in [c0, c0 + m), m <= W, through the vector exp.
inline vf exp_gather(const float* x, int64_t stride, int64_t c0, int64_t m, float shift) {
  vf a{};
  for (int64_t k = 0; k < m; ++k) a[k] = x[(c0 + k) * stride];
  return vexp(a - shift);
}


float row_max(const float* x, int64_t n) {
  float m = -std::numeric_limits<float>::infinity();
  int64_t i = 0;
  if (n >= W) {
    vf vm = ld(x);
    for (i = W; i + W <= n; i += W) { vf v = ld(x + i); vm = v > vm ? v : vm; }
    for (int k = 0; k < W; ++k) m = vm[k] > m ? vm[k] : m;
  }
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

// sum of exp(x[i] - m), also stored to y when y is not null. Float lanes, flushed to a
// double every 64 vectors so long rows keep their precision.
double exp_sum(float* y, const float* x, int64_t n, float m) {
  const vf vm = vbroadcast(m);
  double s = 0;
  int64_t i = 0;
  while (i + W <= n) {
    vf acc = vbroadcast(0.0f);
    for (int64_t k = 0; k < 64 && i + W <= n; ++k, i += W) {
      vf e = vexp(ld(x + i) - vm);
      if (y) st(y + i, e);
      acc += e;
    }
    for (int k = 0; k < W; ++k) s += acc[k];
  }
  if (i < n) {  // tail: one partial vector
    const vf e = exp_gather(x + i, 1, 0, n - i, m);
    for (int64_t k = 0; k < n - i; ++k) {
      if (y) y[i + k] = e[k];
      s += e[k];
    }
  }
  return s;
}

// One contiguous row of length n (inner == 1).
void softmax_row(float* y, const float* x, int64_t n, bool log) {
  float m = row_max(x, n);
  if (m == -std::numeric_limits<float>::infinity()) m = 0.0f;  // all -inf: keep NaN-free exp
  if (log) {
    const float lse = m + float(std::log(exp_sum(nullptr, x, n, m)));
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] - lse;
  } else {
    const float inv = float(1.0 / exp_sum(y, x, n, m));
    for (int64_t i = 0; i < n; ++i) y[i] *= inv;
  }
}

void softmax_backward_row(float* dx, const float* dy, const float* y, int64_t n, bool log) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += log ? dy[i] : dy[i] * y[i];
  const float sf = float(s);
  if (!log) {
    for (int64_t i = 0; i < n; ++i) dx[i] = y[i] * (dy[i] - sf);
    return;
  }
  int64_t i = 0;
  for (; i + W <= n; i += W) st(dx + i, ld(dy + i) - vexp(ld(y + i)) * sf);
  if (i < n) {
    const vf e = exp_gather(y + i, 1, 0, n - i, 0.0f);
    for (int64_t k = 0; i + k < n; ++k) dx[i + k] = dy[i + k] - e[k] * sf;
  }
}

// Columns [j0, j1) of one outer slice: element (c, j) at c * inner + j.
void softmax_cols(float* y, const float* x, int64_t n, int64_t inner, int64_t j0, int64_t j1, bool log) {
  float m[kInnerBlock];
  double s[kInnerBlock];
  const int64_t w = j1 - j0;
  for (int64_t j = 0; j < w; ++j) { m[j] = -std::numeric_limits<float>::infinity(); s[j] = 0; }
  for (int64_t c = 0; c < n; ++c) {
    const float* xr = x + c * inner + j0;
    for (int64_t j = 0; j < w; ++j) m[j] = xr[j] > m[j] ? xr[j] : m[j];
  }
  for (int64_t j = 0; j < w; ++j) if (m[j] == -std::numeric_limits<float>::infinity()) m[j] = 0.0f;
  for (int64_t c = 0; c < n; ++c) {
    const float* xr = x + c * inner + j0;
    float* yr = y + c * inner + j0;
    int64_t j = 0;
    for (; j + W <= w; j += W) {
      const vf e = vexp(ld(xr + j) - ld(m + j));
      for (int k = 0; k < W; ++k) s[j + k] += e[k];
      if (!log) st(yr + j, e);
    }
    if (j < w) {
      vf a{};
      for (int64_t k = 0; j + k < w; ++k) a[k] = xr[j + k] - m[j + k];
      const vf e = vexp(a);
      for (int64_t k = 0; j + k < w; ++k) {
        s[j + k] += e[k];
        if (!log) yr[j + k] = e[k];
      }
    }
  }
  for (int64_t c = 0; c < n; ++c) {
    const float* xr = x + c * inner + j0;
    float* yr = y + c * inner + j0;
    for (int64_t j = 0; j < w; ++j) {
      yr[j] = log ? xr[j] - (m[j] + float(std::log(s[j]))) : yr[j] * float(1.0 / s[j]);
    }
  }
}

void softmax_backward_cols(float* dx, const float* dy, const float* y, int64_t n, int64_t inner,
                           int64_t j0, int64_t j1, bool log) {
  double s[kInnerBlock];
  const int64_t w = j1 - j0;
  for (int64_t j = 0; j < w; ++j) s[j] = 0;
  for (int64_t c = 0; c < n; ++c) {
    const int64_t o = c * inner + j0;
    for (int64_t j = 0; j < w; ++j) s[j] += log ? dy[o + j] : dy[o + j] * y[o + j];
  }
  float sf[kInnerBlock];
  for (int64_t j = 0; j < w; ++j) sf[j] = float(s[j]);
  for (int64_t c = 0; c < n; ++c) {
    const int64_t o = c * inner + j0;
    if (!log) {
      for (int64_t j = 0; j < w; ++j) dx[o + j] = y[o + j] * (dy[o + j] - sf[j]);
      continue;
    }
    for (int64_t j = 0; j < w; j += W) {
      const int64_t m = std::min<int64_t>(W, w - j);
      const vf e = exp_gather(y + o + j, 1, 0, m, 0.0f);
      for (int64_t k = 0; k < m; ++k) dx[o + j + k] = dy[o + j + k] - e[k] * sf[j + k];
    }
  }
}

// Runs f(outer_index, j0, j1) over [outer] x inner blocks in parallel.
template <typename F>
void for_blocks(int64_t outer, int64_t n, int64_t inner, F f) {
  const int64_t nblk = inner == 1 ? 1 : (inner + kInnerBlock - 1) / kInnerBlock;
  const int64_t work = n * std::min(inner, kInnerBlock);
  parallel_for(outer * nblk, grain_for(work), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / nblk, j0 = (t % nblk) * kInnerBlock;
      f(o, j0, std::min(inner, j0 + kInnerBlock));
    }
  });
}

}  // namespace

void softmax_forward(float* y, const float* x, int64_t outer, int64_t n, int64_t inner, bool log) {
  if (outer == 0 || n == 0 || inner == 0) return;
  for_blocks(outer, n, inner, [&](int64_t o, int64_t j0, int64_t j1) {
    const int64_t base = o * n * inner;
    if (inner == 1) softmax_row(y + base, x + base, n, log);
    else softmax_cols(y + base, x + base, n, inner, j0, j1, log);
  });
}

void softmax_backward(float* dx, const float* dy, const float* y, int64_t outer, int64_t n,
                      int64_t inner, bool log) {
  if (outer == 0 || n == 0 || inner == 0) return;
  for_blocks(outer, n, inner, [&](int64_t o, int64_t j0, int64_t j1) {
    const int64_t base = o * n * inner;
    if (inner == 1) softmax_backward_row(dx + base, dy + base, y + base, n, log);
    else softmax_backward_cols(dx + base, dy + base, y + base, n, inner, j0, j1, log);
  });
}

void cross_entropy_forward(float* out, float* lse, double* wsum, const float* logits,
                           const int32_t* target, const float* probs, const float* weight,
                           int64_t N, int64_t C, int64_t S, int32_t reduction,
                           int32_t ignore_index, float smoothing) {
  const int64_t M = N * S;  // samples
  // NOTE: per-sample losses and weights go to scratch first so the reduction is a
  // fixed-order sum: results do not depend on the thread count.
  thread_local std::vector<double> scratch;
  const bool reduce = reduction != kReduceNone;
  if (reduce) scratch.assign(size_t(2 * M), 0.0);
  double* ls = scratch.data();
  const double eps = smoothing;
  parallel_for(M, grain_for(C), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t n = i / S, s = i % S;
      const float* x = logits + n * C * S + s;
      float m = -std::numeric_limits<float>::infinity();
      if (S == 1) m = row_max(x, C);
      else for (int64_t c = 0; c < C; ++c) m = std::max(m, x[c * S]);
      if (m == -std::numeric_limits<float>::infinity()) m = 0.0f;
      double se = 0;
      if (S == 1) se = exp_sum(nullptr, x, C, m);
      else for (int64_t c = 0; c < C; c += W) {
        const int64_t k1 = std::min<int64_t>(W, C - c);
        const vf e = exp_gather(x, S, c, k1, m);
        for (int64_t k = 0; k < k1; ++k) se += e[k];
      }
      const double l = m + std::log(se);
      lse[i] = float(l);
      double loss = 0, w = 1;
      if (target) {
        const int32_t y = target[i];
        if (y == ignore_index) { w = 0; }
        else {
          w = weight ? weight[y] : 1.0;
          loss = (1 - eps) * w * (l - x[y * S]);
          if (eps > 0) {
            double sm = 0;
            for (int64_t c = 0; c < C; ++c) sm += (weight ? weight[c] : 1.0) * (l - x[c * S]);
            loss += eps / double(C) * sm;
          }
        }
      } else {
        const float* p = probs + n * C * S + s;
        for (int64_t c = 0; c < C; ++c) {
          const double t = double(p[c * S]) * (1 - eps) + eps / double(C);
          loss += (weight ? weight[c] : 1.0) * t * (l - x[c * S]);
        }
      }
      if (reduce) { ls[2 * i] = loss; ls[2 * i + 1] = w; }
      else out[i] = float(loss);
    }
  });
  double total = 0, wtot = 0;
  if (reduce) for (int64_t i = 0; i < M; ++i) { total += ls[2 * i]; wtot += ls[2 * i + 1]; }
  else if (target) for (int64_t i = 0; i < M; ++i) wtot += target[i] == ignore_index ? 0.0 : (weight ? weight[target[i]] : 1.0);
  if (!target) wtot = double(M);
  *wsum = wtot;
  if (reduction == kReduceSum) out[0] = float(total);
  if (reduction == kReduceMean) out[0] = float(total / wtot);  // 0 / 0 = NaN, as in PyTorch
}

void cross_entropy_backward(float* dlogits, const float* dloss, int64_t dloss_stride, float scale,
                            const float* logits, const float* lse, const int32_t* target,
                            const float* probs, const float* weight, int64_t N, int64_t C,
                            int64_t S, int32_t ignore_index, float smoothing) {
  const int64_t M = N * S;
  const float eps = smoothing, u = smoothing / float(C);
  float wall = float(C);
  if (weight) { wall = 0; for (int64_t c = 0; c < C; ++c) wall += weight[c]; }
  parallel_for(M, grain_for(C), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t n = i / S, s = i % S;
      const float* x = logits + n * C * S + s;
      float* dx = dlogits + n * C * S + s;
      const float g = dloss[i * dloss_stride] * scale, l = lse[i];
      if (target) {
        const int32_t y = target[i];
        if (y == ignore_index) { for (int64_t c = 0; c < C; ++c) dx[c * S] = 0.0f; continue; }
        const float wy = weight ? weight[y] : 1.0f;
        const float T = (1 - eps) * wy + u * wall;
        int64_t c = 0;
        if (S == 1) {  // contiguous row: vector exp
          const vf vl = vbroadcast(l), gT = vbroadcast(g * T), gu = vbroadcast(g * u);
          for (; c + W <= C; c += W) {
            const vf e = vexp(ld(x + c) - vl);
            st(dx + c, weight ? gT * e - gu * ld(weight + c) : gT * e - gu);
          }
        }
        for (; c < C; c += W) {
          const int64_t k1 = std::min<int64_t>(W, C - c);
          const vf e = exp_gather(x, S, c, k1, l);
          for (int64_t k = 0; k < k1; ++k) {
            const float t = u * (weight ? weight[c + k] : 1.0f);
            dx[(c + k) * S] = g * (T * e[k] - t);
          }
        }
        dx[y * S] -= g * (1 - eps) * wy;
      } else {
        const float* p = probs + n * C * S + s;
        float T = 0;
        for (int64_t c = 0; c < C; ++c) T += (weight ? weight[c] : 1.0f) * (p[c * S] * (1 - eps) + u);
        for (int64_t c = 0; c < C; c += W) {
          const int64_t k1 = std::min<int64_t>(W, C - c);
          const vf e = exp_gather(x, S, c, k1, l);
          for (int64_t k = 0; k < k1; ++k) {
            const float t = (weight ? weight[c + k] : 1.0f) * (p[(c + k) * S] * (1 - eps) + u);
            dx[(c + k) * S] = g * (T * e[k] - t);
          }
        }
      }
    }
  });
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
