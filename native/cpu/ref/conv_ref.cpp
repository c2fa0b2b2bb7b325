#include "cpu/ref/conv_ref.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace tf {
namespace cpu {
namespace ref {

namespace {
// Calls f(n, oc, oh, ow, c, kh, kw, ih, iw) for every in-bounds tap of the convolution.
template <typename F>
void for_each_tap(const Conv2dParams& p, F f) {
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups;
  for (int64_t n = 0; n < p.N; ++n)
    for (int64_t oc = 0; oc < p.OC; ++oc)
      for (int64_t oh = 0; oh < p.OH; ++oh)
        for (int64_t ow = 0; ow < p.OW; ++ow)
          for (int64_t cg = 0; cg < Cg; ++cg)
            for (int64_t kh = 0; kh < p.KH; ++kh)
              for (int64_t kw = 0; kw < p.KW; ++kw) {
                int64_t ih = oh * p.stride_h - p.pad_h + kh * p.dil_h;
                int64_t iw = ow * p.stride_w - p.pad_w + kw * p.dil_w;
                if (ih < 0 || ih >= p.H || iw < 0 || iw >= p.W) continue;
                int64_t c = (oc / OCg) * Cg + cg;
                f(n, oc, oh, ow, c, cg, kh, kw, ih, iw);
              }
}
}  // namespace

void conv2d_forward(float* y, const float* x, const float* w, const float* bias,
                    const Conv2dParams& p) {
  const int64_t Cg = p.C / p.groups, ysz = p.N * p.OC * p.OH * p.OW;
  std::vector<double> acc(size_t(ysz), 0.0);
  for_each_tap(p, [&](int64_t n, int64_t oc, int64_t oh, int64_t ow, int64_t c, int64_t cg,
                      int64_t kh, int64_t kw, int64_t ih, int64_t iw) {
    acc[size_t(((n * p.OC + oc) * p.OH + oh) * p.OW + ow)] +=
        double(x[((n * p.C + c) * p.H + ih) * p.W + iw]) *
        double(w[((oc * Cg + cg) * p.KH + kh) * p.KW + kw]);
  });
  for (int64_t i = 0; i < ysz; ++i) {
    int64_t oc = (i / (p.OH * p.OW)) % p.OC;
    y[i] = float(acc[size_t(i)] + (bias ? double(bias[oc]) : 0.0));
  }
}

void conv2d_backward_input(float* dx, const float* dy, const float* w, const Conv2dParams& p) {
  const int64_t Cg = p.C / p.groups, xsz = p.N * p.C * p.H * p.W;
  std::vector<double> acc(size_t(xsz), 0.0);
  for_each_tap(p, [&](int64_t n, int64_t oc, int64_t oh, int64_t ow, int64_t c, int64_t cg,
                      int64_t kh, int64_t kw, int64_t ih, int64_t iw) {
    acc[size_t(((n * p.C + c) * p.H + ih) * p.W + iw)] +=
        double(dy[((n * p.OC + oc) * p.OH + oh) * p.OW + ow]) *
        double(w[((oc * Cg + cg) * p.KH + kh) * p.KW + kw]);
  });
  for (int64_t i = 0; i < xsz; ++i) dx[i] = float(acc[size_t(i)]);
}

void conv2d_backward_weight(float* dw, float* dbias, const float* dy, const float* x,
                            const Conv2dParams& p) {
  const int64_t Cg = p.C / p.groups, wsz = p.OC * Cg * p.KH * p.KW;
  std::vector<double> acc(size_t(wsz), 0.0);
  for_each_tap(p, [&](int64_t n, int64_t oc, int64_t oh, int64_t ow, int64_t c, int64_t cg,
                      int64_t kh, int64_t kw, int64_t ih, int64_t iw) {
    acc[size_t(((oc * Cg + cg) * p.KH + kh) * p.KW + kw)] +=
        double(dy[((n * p.OC + oc) * p.OH + oh) * p.OW + ow]) *
        double(x[((n * p.C + c) * p.H + ih) * p.W + iw]);
  });
  for (int64_t i = 0; i < wsz; ++i) dw[i] = float(acc[size_t(i)]);
  if (dbias) {
    for (int64_t oc = 0; oc < p.OC; ++oc) {
      double s = 0;
      for (int64_t n = 0; n < p.N; ++n)
        for (int64_t i = 0; i < p.OH * p.OW; ++i) s += dy[(n * p.OC + oc) * p.OH * p.OW + i];
      dbias[oc] = float(s);
    }
  }
}

void max_pool2d_forward(float* y, int32_t* idx, const float* x, int64_t N, int64_t C,
                        int64_t H, int64_t W, int64_t OH, int64_t OW, int64_t KH, int64_t KW,
                        int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw) {
  for (int64_t nc = 0; nc < N * C; ++nc)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        float best = -std::numeric_limits<float>::infinity();
        int64_t arg = -1;
        for (int64_t kh = 0; kh < KH; ++kh)
          for (int64_t kw = 0; kw < KW; ++kw) {
            int64_t ih = oh * sh - ph + kh * dh, iw = ow * sw - pw + kw * dw;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            float v = x[(nc * H + ih) * W + iw];
            if (arg < 0) arg = ih * W + iw;  // PyTorch: the first valid tap unless beaten
            if (v > best || std::isnan(v)) {
              best = v;
              arg = ih * W + iw;
            }
          }
        y[(nc * OH + oh) * OW + ow] = best;
        idx[(nc * OH + oh) * OW + ow] = int32_t(arg);
      }
}

void avg_pool2d_forward(float* y, const float* x, int64_t N, int64_t C, int64_t H, int64_t W,
                        int64_t OH, int64_t OW, int64_t KH, int64_t KW, int64_t sh, int64_t sw,
                        int64_t ph, int64_t pw, bool count_include_pad, int64_t divisor_override) {
  for (int64_t nc = 0; nc < N * C; ++nc)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        int64_t h0 = oh * sh - ph, w0 = ow * sw - pw;
        int64_t h1 = std::min(h0 + KH, H + ph), w1 = std::min(w0 + KW, W + pw);
        int64_t pool = (h1 - h0) * (w1 - w0);
        h0 = std::max<int64_t>(h0, 0); w0 = std::max<int64_t>(w0, 0);
        h1 = std::min(h1, H); w1 = std::min(w1, W);
        double s = 0;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) s += x[(nc * H + ih) * W + iw];
        int64_t div = divisor_override > 0 ? divisor_override
                      : count_include_pad  ? pool : (h1 - h0) * (w1 - w0);
        y[(nc * OH + oh) * OW + ow] = div > 0 ? float(s / double(div)) : 0.0f;
      }
}

}  // namespace ref
}  // namespace cpu
}  // namespace tf
