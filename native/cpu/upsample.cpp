// Nearest and bilinear 2-D upsampling, forward and backward, one plane per task. The source
// index (and bilinear weights) of every output row and column are computed once per call;
// the backward scatters within its own plane, so tasks never write the same element.
#include "cpu/upsample.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

namespace {

// Nearest source index of every output position along one axis.
std::vector<int64_t> nearest_index(int64_t in, int64_t out, float scale) {
  std::vector<int64_t> idx(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o)
    idx[size_t(o)] = std::min(static_cast<int64_t>(std::floor(float(o) * scale)), in - 1);
  return idx;
}

// Two taps and their weights per output position along one axis.
struct LinearTaps {
  std::vector<int64_t> i0, i1;
  std::vector<float> l0, l1;
};

// Planes per parallel_for chunk: about 32K elements of work each.
int64_t planes_per_chunk(int64_t work_per_plane) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, work_per_plane)); }

LinearTaps linear_taps(int64_t in, int64_t out, float scale, bool align_corners) {
  LinearTaps t;
  t.i0.resize(size_t(out)); t.i1.resize(size_t(out)); t.l0.resize(size_t(out)); t.l1.resize(size_t(out));
  for (int64_t o = 0; o < out; ++o) {
    const float src = align_corners ? scale * float(o) : std::max(scale * (float(o) + 0.5f) - 0.5f, 0.0f);
    const int64_t i0 = std::min(static_cast<int64_t>(std::floor(src)), in - 1);
    const float l1 = std::min(std::max(src - float(i0), 0.0f), 1.0f);
    t.i0[size_t(o)] = i0;
    t.i1[size_t(o)] = std::min(i0 + 1, in - 1);
    t.l1[size_t(o)] = l1;
    t.l0[size_t(o)] = 1.0f - l1;
  }
  return t;
}

}  // namespace

void upsample_nearest2d_forward(float* y, const float* x, int64_t NC, int64_t H, int64_t W,
                                int64_t OH, int64_t OW, float scale_h, float scale_w) {
  const std::vector<int64_t> ih = nearest_index(H, OH, scale_h), iw = nearest_index(W, OW, scale_w);
  parallel_for(NC, planes_per_chunk(OH * OW), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p)
      for (int64_t oh = 0; oh < OH; ++oh) {
        const float* xr = x + (p * H + ih[size_t(oh)]) * W;
        float* yr = y + (p * OH + oh) * OW;
        for (int64_t ow = 0; ow < OW; ++ow) yr[ow] = xr[iw[size_t(ow)]];
      }
  });
}

void upsample_nearest2d_backward(float* dx, const float* dy, int64_t NC, int64_t H, int64_t W,
                                 int64_t OH, int64_t OW, float scale_h, float scale_w) {
  const std::vector<int64_t> ih = nearest_index(H, OH, scale_h), iw = nearest_index(W, OW, scale_w);
  parallel_for(NC, planes_per_chunk(H * W + OH * OW), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      std::fill(dx + p * H * W, dx + (p + 1) * H * W, 0.0f);
      for (int64_t oh = 0; oh < OH; ++oh) {
        float* dr = dx + (p * H + ih[size_t(oh)]) * W;
        const float* g = dy + (p * OH + oh) * OW;
        for (int64_t ow = 0; ow < OW; ++ow) dr[iw[size_t(ow)]] += g[ow];
      }
    }
  });
}

void upsample_bilinear2d_forward(float* y, const float* x, int64_t NC, int64_t H, int64_t W,
                                 int64_t OH, int64_t OW, float scale_h, float scale_w,
                                 bool align_corners) {
  const LinearTaps th = linear_taps(H, OH, scale_h, align_corners), tw = linear_taps(W, OW, scale_w, align_corners);
  parallel_for(NC, planes_per_chunk(4 * OH * OW), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p)
      for (int64_t oh = 0; oh < OH; ++oh) {
        const float* r0 = x + (p * H + th.i0[size_t(oh)]) * W;
        const float* r1 = x + (p * H + th.i1[size_t(oh)]) * W;
        const float h0 = th.l0[size_t(oh)], h1 = th.l1[size_t(oh)];
        float* yr = y + (p * OH + oh) * OW;
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t a = tw.i0[size_t(ow)], c = tw.i1[size_t(ow)];
          const float w0 = tw.l0[size_t(ow)], w1 = tw.l1[size_t(ow)];
          yr[ow] = h0 * (w0 * r0[a] + w1 * r0[c]) + h1 * (w0 * r1[a] + w1 * r1[c]);
        }
      }
  });
}

void upsample_bilinear2d_backward(float* dx, const float* dy, int64_t NC, int64_t H, int64_t W,
                                  int64_t OH, int64_t OW, float scale_h, float scale_w,
                                  bool align_corners) {
  const LinearTaps th = linear_taps(H, OH, scale_h, align_corners), tw = linear_taps(W, OW, scale_w, align_corners);
  parallel_for(NC, planes_per_chunk(H * W + 4 * OH * OW), [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) {
      std::fill(dx + p * H * W, dx + (p + 1) * H * W, 0.0f);
      for (int64_t oh = 0; oh < OH; ++oh) {
        float* r0 = dx + (p * H + th.i0[size_t(oh)]) * W;
        float* r1 = dx + (p * H + th.i1[size_t(oh)]) * W;
        const float h0 = th.l0[size_t(oh)], h1 = th.l1[size_t(oh)];
        const float* g = dy + (p * OH + oh) * OW;
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t a = tw.i0[size_t(ow)], c = tw.i1[size_t(ow)];
          const float w0 = tw.l0[size_t(ow)], w1 = tw.l1[size_t(ow)];
          // NOTE: a == c (or both rows equal) at the edge; the += keeps both shares.
          r0[a] += h0 * w0 * g[ow];
          r0[c] += h0 * w1 * g[ow];
          r1[a] += h1 * w0 * g[ow];
          r1[c] += h1 * w1 * g[ow];
        }
      }
    }
  });
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
