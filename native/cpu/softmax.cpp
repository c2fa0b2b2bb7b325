// Softmax, log-softmax and fused softmax + cross-entropy (forward and backward).
// Rows are split across the thread pool; each row is max-subtracted before exp.
#include "cpu/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

namespace {

constexpr int64_t kWorkPerTask = 16384;  // elements of work a thread task should get at least
constexpr int64_t kInnerBlock = 64;      // inner columns handled together when inner > 1

int64_t grain_for(int64_t work_per_item) {
  return std::max<int64_t>(1, kWorkPerTask / std::max<int64_t>(1, work_per_item));
}

// One contiguous row of length n (inner == 1).
void softmax_row(float* y, const float* x, int64_t n, bool log) {
  float m = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
  if (m == -std::numeric_limits<float>::infinity()) m = 0.0f;  // all -inf: keep NaN-free exp
  double sum = 0;
  if (log) {
    for (int64_t i = 0; i < n; ++i) sum += std::exp(x[i] - m);
    const float lse = m + float(std::log(sum));
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] - lse;
  } else {
    for (int64_t i = 0; i < n; ++i) { y[i] = std::exp(x[i] - m); sum += y[i]; }
    const float inv = float(1.0 / sum);
    for (int64_t i = 0; i < n; ++i) y[i] *= inv;
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
    for (int64_t j = 0; j < w; ++j) {
      const float e = std::exp(xr[j] - m[j]);
      s[j] += e;
      if (!log) yr[j] = e;
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
  for (int64_t c = 0; c < n; ++c) {
    const int64_t o = c * inner + j0;
    for (int64_t j = 0; j < w; ++j) {
      dx[o + j] = log ? dy[o + j] - std::exp(y[o + j]) * float(s[j]) : y[o + j] * (dy[o + j] - float(s[j]));
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
    softmax_backward_cols(dx + base, dy + base, y + base, n, inner, inner == 1 ? 0 : j0,
                          inner == 1 ? 1 : j1, log);
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
      for (int64_t c = 0; c < C; ++c) m = std::max(m, x[c * S]);
      if (m == -std::numeric_limits<float>::infinity()) m = 0.0f;
      double se = 0;
      for (int64_t c = 0; c < C; ++c) se += std::exp(double(x[c * S]) - m);
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
        for (int64_t c = 0; c < C; ++c) {
          const float t = u * (weight ? weight[c] : 1.0f);
          dx[c * S] = g * (T * std::exp(x[c * S] - l) - t);
        }
        dx[y * S] -= g * (1 - eps) * wy;
      } else {
        const float* p = probs + n * C * S + s;
        float T = 0;
        for (int64_t c = 0; c < C; ++c) T += (weight ? weight[c] : 1.0f) * (p[c * S] * (1 - eps) + u);
        for (int64_t c = 0; c < C; ++c) {
          const float t = (weight ? weight[c] : 1.0f) * (p[c * S] * (1 - eps) + u);
          dx[c * S] = g * (T * std::exp(x[c * S] - l) - t);
        }
      }
    }
  });
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
