// Max / average / adaptive-average pooling, forward and backward, one plane per task.
#include "cpu/pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "cpu/simd.h"
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

// Per-kw valid output columns [lo, hi) (taps with 0 <= ow*stride - pad + kw*dil < W).
void kw_ranges(const Pool2dParams& p, std::vector<int64_t>& lo, std::vector<int64_t>& hi) {
  lo.resize(size_t(p.KW));
  hi.resize(size_t(p.KW));
  for (int64_t kw = 0; kw < p.KW; ++kw) {
    int64_t a, b;
    const int64_t off = kw * p.dil_w - p.pad_w;
    a = off >= 0 ? 0 : (-off + p.stride_w - 1) / p.stride_w;
    b = p.W - 1 - off < 0 ? 0 : (p.W - 1 - off) / p.stride_w + 1;
    lo[size_t(kw)] = std::min(a, p.OW);
    hi[size_t(kw)] = std::max(lo[size_t(kw)], std::min(b, p.OW));
  }
}

}  // namespace

namespace {

using namespace ::tf::TF_ISA;  // vf, vi, vload, vstore, kVecWidth (simd.h)

// The default MaxPool2d(2) on an even width: 2x2 windows, stride 2, no padding, dilation 1, so
// every window lies inside the plane and a row's pairs never straddle two rows.
bool is_pool_2x2(const Pool2dParams& p) {
  return p.KH == 2 && p.KW == 2 && p.stride_h == 2 && p.stride_w == 2 && p.pad_h == 0 && p.pad_w == 0 &&
         p.dil_h == 1 && p.dil_w == 1 && p.W % 2 == 0 && p.OW == p.W / 2 && p.OH == p.H / 2;
}

typedef int32_t vi_u __attribute__((vector_size(kVecWidth * 4), aligned(4), may_alias));

#if defined(__AVX512F__)
const vi kEven = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
const vi kOdd = {1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31};
#elif defined(__AVX2__)
const vi kEven = {0, 2, 4, 6, 8, 10, 12, 14}, kOdd = {1, 3, 5, 7, 9, 11, 13, 15};
#else
const vi kEven = {0, 2, 4, 6}, kOdd = {1, 3, 5, 7};
#endif

// One plane of is_pool_2x2. PyTorch's rule visits the taps in (kh, kw) order and a later tap
// wins if greater or NaN; reducing each row's pair first (the right tap wins if greater or NaN)
// and then the two rows (the lower wins if greater or NaN) picks the same tap, ties and NaNs
// included. The pair pass runs over the plane's first 2*OH rows as one contiguous run of
// 2*OH*OW pairs (full vectors whatever the width). hv/hi/ys/is: a Pool2x2Scratch.
void max_pool_2x2_plane(float* __restrict y, int32_t* __restrict idx, const float* __restrict x, int64_t OH, int64_t OW,
                        float* __restrict hv, int32_t* __restrict hi, float* __restrict ys, int32_t* __restrict is) {
  const int64_t pairs = 2 * OH * OW;
  vi lane;
  for (int l = 0; l < kVecWidth; ++l) lane[l] = 2 * l;
  int64_t j = 0;
  for (; j + kVecWidth <= pairs; j += kVecWidth) {
    const vf a = vload(x + 2 * j), b = vload(x + 2 * j + kVecWidth);
    const vf e = __builtin_shuffle(a, b, kEven), o = __builtin_shuffle(a, b, kOdd);
    const vi t = (o > e) | (o != o);
    vstore(hv + j, t ? o : e);
    *reinterpret_cast<vi_u*>(hi + j) = (lane + int32_t(2 * j)) + (t & 1);
  }
  for (; j < pairs; ++j) {
    const float e = x[2 * j], o = x[2 * j + 1];
    const bool t = (o > e) | (o != o);
    hv[j] = t ? o : e;
    hi[j] = int32_t(2 * j) + int32_t(t);
  }
  // The row pass in whole vectors: lanes past OW read the next row's pairs (or the padding
  // after the last) and are stored past the row's end, into rows this loop writes later. A row
  // whose vectors would end past the plane goes through ys/is and only its OW are copied out.
  const int64_t OWp = (OW + kVecWidth - 1) / kVecWidth * kVecWidth;
  for (int64_t oh = 0; oh < OH; ++oh) {
    const bool inside = (oh * OW + OWp) <= OH * OW;
    float* yo = inside ? y + oh * OW : ys;
    int32_t* io = inside ? idx + oh * OW : is;
    for (int64_t ow = 0; ow < OW; ow += kVecWidth) {
      const int64_t ka = 2 * oh * OW + ow, kb = ka + OW;
      const vf a = vload(hv + ka), b = vload(hv + kb);
      const vi t = (b > a) | (b != b);
      vstore(yo + ow, t ? b : a);
      const vi ia = *reinterpret_cast<const vi_u*>(hi + ka), ib = *reinterpret_cast<const vi_u*>(hi + kb);
      *reinterpret_cast<vi_u*>(io + ow) = t ? ib : ia;
    }
    if (!inside) {
      std::memcpy(y + oh * OW, ys, size_t(OW) * 4);
      std::memcpy(idx + oh * OW, is, size_t(OW) * 4);
    }
  }
}

// Scratch of max_pool_2x2_plane for one plane of OH x OW outputs: the 2*OH*OW pair results
// with a vector of padding, and one padded output row.
struct Pool2x2Scratch {
  std::vector<float> hv, ys;
  std::vector<int32_t> hi, is;
  Pool2x2Scratch(int64_t OH, int64_t OW) {
    const size_t pairs = size_t(2 * OH * OW + kVecWidth), out = size_t((OW + kVecWidth - 1) / kVecWidth * kVecWidth);
    hv.assign(pairs, 0.0f);
    hi.assign(pairs, 0);
    ys.resize(out);
    is.resize(out);
  }
};

}  // namespace

// NOTE: both forward kernels walk one output row at a time, tap by tap, over whole rows of
// outputs (row buffers in L1) instead of window by window: no per-output bounds arithmetic,
// and the inner loops vectorize.
void max_pool2d_forward(float* y, int32_t* idx, const float* x, const Pool2dParams& p) {
  const int64_t HW = p.H * p.W, OHW = p.OH * p.OW;
  if (is_pool_2x2(p)) {
    parallel_for(p.N * p.C, grain_for(4 * OHW), [&](int64_t b, int64_t e) {
      Pool2x2Scratch sc(p.OH, p.OW);
      for (int64_t i = b; i < e; ++i)
        max_pool_2x2_plane(y + i * OHW, idx + i * OHW, x + i * HW, p.OH, p.OW, sc.hv.data(), sc.hi.data(), sc.ys.data(), sc.is.data());
    });
    return;
  }
  std::vector<int64_t> lo, hi;
  kw_ranges(p, lo, hi);
  parallel_for(p.N * p.C, grain_for(OHW * p.KH * p.KW), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float* xp = x + i * HW;
      for (int64_t oh = 0; oh < p.OH; ++oh) {
        float* __restrict best = y + i * OHW + oh * p.OW;
        int32_t* __restrict arg = idx + i * OHW + oh * p.OW;
        for (int64_t ow = 0; ow < p.OW; ++ow) { best[ow] = -std::numeric_limits<float>::infinity(); arg[ow] = -1; }
        int64_t kh0, kh1;
        taps(oh, p.stride_h, p.pad_h, p.dil_h, p.KH, p.H, &kh0, &kh1);
        for (int64_t kh = kh0; kh < kh1; ++kh) {
          const int64_t ih = oh * p.stride_h - p.pad_h + kh * p.dil_h;
          const float* xr = xp + ih * p.W;
          for (int64_t kw = 0; kw < p.KW; ++kw) {
            const int64_t off = kw * p.dil_w - p.pad_w, sw = p.stride_w;
            const int32_t base = int32_t(ih * p.W + off);
            // PyTorch's rule, taps in (kh, kw) order: a later tap wins if greater or NaN; the
            // first valid tap is the index of an all -inf window.
            for (int64_t ow = lo[size_t(kw)]; ow < hi[size_t(kw)]; ++ow) {
              const float v = xr[ow * sw + off];
              const bool take = (arg[ow] < 0) | (v > best[ow]) | (v != v);  // no branches: vectorizes
              best[ow] = take ? v : best[ow];
              arg[ow] = take ? base + int32_t(ow * sw) : arg[ow];
            }
          }
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

namespace {

// inv[oh * OW + ow] = 1 / divisor of each averaging window (one plane's worth, shared).
std::vector<float> avg_inverse_divisors(const Pool2dParams& p) {
  std::vector<float> inv(size_t(p.OH * p.OW));
  for (int64_t oh = 0; oh < p.OH; ++oh)
    for (int64_t ow = 0; ow < p.OW; ++ow) inv[size_t(oh * p.OW + ow)] = avg_window(p, oh, ow).inv;
  return inv;
}

}  // namespace

void avg_pool2d_forward(float* y, const float* x, const Pool2dParams& p) {
  const int64_t HW = p.H * p.W, OHW = p.OH * p.OW;
  std::vector<int64_t> lo, hi;
  kw_ranges(p, lo, hi);
  const std::vector<float> inv = avg_inverse_divisors(p);
  parallel_for(p.N * p.C, grain_for(OHW * p.KH * p.KW), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float* xp = x + i * HW;
      for (int64_t oh = 0; oh < p.OH; ++oh) {
        float* __restrict acc = y + i * OHW + oh * p.OW;
        for (int64_t ow = 0; ow < p.OW; ++ow) acc[ow] = 0.0f;
        int64_t kh0, kh1;
        taps(oh, p.stride_h, p.pad_h, 1, p.KH, p.H, &kh0, &kh1);
        for (int64_t kh = kh0; kh < kh1; ++kh) {
          const float* xr = xp + (oh * p.stride_h - p.pad_h + kh) * p.W;
          for (int64_t kw = 0; kw < p.KW; ++kw) {
            const int64_t off = kw - p.pad_w, sw = p.stride_w;
            for (int64_t ow = lo[size_t(kw)]; ow < hi[size_t(kw)]; ++ow) acc[ow] += xr[ow * sw + off];
          }
        }
        const float* iv = inv.data() + oh * p.OW;
        for (int64_t ow = 0; ow < p.OW; ++ow) acc[ow] *= iv[ow];
      }
    }
  });
}

void avg_pool2d_backward(float* dx, const float* dy, const Pool2dParams& p) {
  const int64_t HW = p.H * p.W, OHW = p.OH * p.OW;
  std::vector<int64_t> lo, hi;
  kw_ranges(p, lo, hi);
  const std::vector<float> inv = avg_inverse_divisors(p);
  parallel_for(p.N * p.C, grain_for(HW + OHW * p.KH * p.KW), [&](int64_t b, int64_t e) {
    std::vector<float> g(size_t(p.OW));
    for (int64_t i = b; i < e; ++i) {
      float* dxp = dx + i * HW;
      std::fill(dxp, dxp + HW, 0.0f);
      for (int64_t oh = 0; oh < p.OH; ++oh) {
        const float* dyr = dy + i * OHW + oh * p.OW;
        const float* iv = inv.data() + oh * p.OW;
        for (int64_t ow = 0; ow < p.OW; ++ow) g[size_t(ow)] = dyr[ow] * iv[ow];
        int64_t kh0, kh1;
        taps(oh, p.stride_h, p.pad_h, 1, p.KH, p.H, &kh0, &kh1);
        for (int64_t kh = kh0; kh < kh1; ++kh) {
          float* xr = dxp + (oh * p.stride_h - p.pad_h + kh) * p.W;
          for (int64_t kw = 0; kw < p.KW; ++kw) {
            const int64_t off = kw - p.pad_w, sw = p.stride_w;
            for (int64_t ow = lo[size_t(kw)]; ow < hi[size_t(kw)]; ++ow) xr[ow * sw + off] += g[size_t(ow)];
          }
        }
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
