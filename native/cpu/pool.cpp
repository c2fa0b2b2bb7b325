// Max / average / adaptive-average pooling, forward and backward, one plane per task.
#include "cpu/pool.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

namespace {

int64_t grain_for(int64_t work_per_plane) {
  return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, work_per_plane));
}

// First tap index k >= 0 with o*s - pad + k*d >= 0, and one past the last tap inside [0, L).
void taps(int64_t o, int64_t s, int64_t pad, int64_t d, int64_t K, int64_t L, int64_t* k0, int64_t* k1) {
  const int64_t start = o * s - pad;
  int64_t a = start >= 0 ? 0 : (-start + d - 1) / d;
  int64_t b = L - 1 - start < 0 ? 0 : (L - 1 - start) / d + 1;
  *k0 = std::min(a, K);
  *k1 = std::max(*k0, std::min(b, K));
}

// The averaging window of output (oh, ow) clipped to the input, and its divisor.
struct AvgWindow { int64_t h0, h1, w0, w1; float inv; };

AvgWindow avg_window(const Pool2dParams& p, int64_t oh, int64_t ow) {
  int64_t h0 = oh * p.stride_h - p.pad_h, w0 = ow * p.stride_w - p.pad_w;
  int64_t h1 = std::min(h0 + p.KH, p.H + p.pad_h), w1 = std::min(w0 + p.KW, p.W + p.pad_w);
  const int64_t padded = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0);
  w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, p.H);
  w1 = std::min(w1, p.W);
  const int64_t div = p.divisor_override > 0 ? p.divisor_override
                      : p.count_include_pad  ? padded : (h1 - h0) * (w1 - w0);
  return {h0, std::max(h0, h1), w0, std::max(w0, w1), div > 0 ? 1.0f / float(div) : 0.0f};
}

int64_t adaptive_start(int64_t o, int64_t I, int64_t O) { return (o * I) / O; }
int64_t adaptive_end(int64_t o, int64_t I, int64_t O) { return ((o + 1) * I + O - 1) / O; }

}  // namespace

void max_pool2d_forward(float* y, int32_t* idx, const float* x, const Pool2dParams& p) {
  const int64_t HW = p.H * p.W, OHW = p.OH * p.OW;
  parallel_for(p.N * p.C, grain_for(OHW * p.KH * p.KW), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float* xp = x + i * HW;
      for (int64_t oh = 0; oh < p.OH; ++oh) {
        int64_t kh0, kh1;
        taps(oh, p.stride_h, p.pad_h, p.dil_h, p.KH, p.H, &kh0, &kh1);
        for (int64_t ow = 0; ow < p.OW; ++ow) {
          int64_t kw0, kw1;
          taps(ow, p.stride_w, p.pad_w, p.dil_w, p.KW, p.W, &kw0, &kw1);
          float best = -std::numeric_limits<float>::infinity();
          int64_t arg = -1;
          for (int64_t kh = kh0; kh < kh1; ++kh) {
            const int64_t ih = oh * p.stride_h - p.pad_h + kh * p.dil_h;
            for (int64_t kw = kw0; kw < kw1; ++kw) {
              const int64_t pos = ih * p.W + ow * p.stride_w - p.pad_w + kw * p.dil_w;
              const float v = xp[pos];
              if (arg < 0) arg = pos;
              if (v > best || std::isnan(v)) { best = v; arg = pos; }
            }
          }
          y[i * OHW + oh * p.OW + ow] = best;
          idx[i * OHW + oh * p.OW + ow] = int32_t(arg);
        }
      }
    }
  });
}

void max_pool2d_backward(float* dx, const float* dy, const int32_t* idx, int64_t NC, int64_t HW, int64_t OHW) {
  parallel_for(NC, grain_for(HW + OHW), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      float* dxp = dx + i * HW;
      std::fill(dxp, dxp + HW, 0.0f);
      const float* g = dy + i * OHW;
      const int32_t* ix = idx + i * OHW;
      for (int64_t j = 0; j < OHW; ++j)
        if (ix[j] >= 0 && ix[j] < HW) dxp[ix[j]] += g[j];
    }
  });
}

void avg_pool2d_forward(float* y, const float* x, const Pool2dParams& p) {
  const int64_t HW = p.H * p.W, OHW = p.OH * p.OW;
  parallel_for(p.N * p.C, grain_for(OHW * p.KH * p.KW), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float* xp = x + i * HW;
      for (int64_t oh = 0; oh < p.OH; ++oh)
        for (int64_t ow = 0; ow < p.OW; ++ow) {
          const AvgWindow w = avg_window(p, oh, ow);
          float s = 0.0f;
          for (int64_t ih = w.h0; ih < w.h1; ++ih)
            for (int64_t iw = w.w0; iw < w.w1; ++iw) s += xp[ih * p.W + iw];
          y[i * OHW + oh * p.OW + ow] = s * w.inv;
        }
    }
  });
}

void avg_pool2d_backward(float* dx, const float* dy, const Pool2dParams& p) {
  const int64_t HW = p.H * p.W, OHW = p.OH * p.OW;
  parallel_for(p.N * p.C, grain_for(HW + OHW * p.KH * p.KW), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      float* dxp = dx + i * HW;
      std::fill(dxp, dxp + HW, 0.0f);
      for (int64_t oh = 0; oh < p.OH; ++oh)
        for (int64_t ow = 0; ow < p.OW; ++ow) {
          const AvgWindow w = avg_window(p, oh, ow);
          const float g = dy[i * OHW + oh * p.OW + ow] * w.inv;
          for (int64_t ih = w.h0; ih < w.h1; ++ih)
            for (int64_t iw = w.w0; iw < w.w1; ++iw) dxp[ih * p.W + iw] += g;
        }
    }
  });
}

void adaptive_avg_pool2d_forward(float* y, const float* x, int64_t NC, int64_t H, int64_t W,
                                 int64_t OH, int64_t OW) {
  parallel_for(NC, grain_for(H * W + OH * OW), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float* xp = x + i * H * W;
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
          float s = 0.0f;
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) s += xp[ih * W + iw];
          y[(i * OH + oh) * OW + ow] = s / float((h1 - h0) * (w1 - w0));
        }
      }
    }
  });
}

void adaptive_avg_pool2d_backward(float* dx, const float* dy, int64_t NC, int64_t H, int64_t W,
                                  int64_t OH, int64_t OW) {
  parallel_for(NC, grain_for(H * W + OH * OW), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      float* dxp = dx + i * H * W;
      std::fill(dxp, dxp + H * W, 0.0f);
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t h0 = adaptive_start(oh, H, OH), h1 = adaptive_end(oh, H, OH);
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t w0 = adaptive_start(ow, W, OW), w1 = adaptive_end(ow, W, OW);
          const float g = dy[(i * OH + oh) * OW + ow] / float((h1 - h0) * (w1 - w0));
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) dxp[ih * W + iw] += g;
        }
      }
    }
  });
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
