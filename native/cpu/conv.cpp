// Convolution forward, input-gradient and weight-gradient: 1x1-as-GEMM, tiled im2col +
// GEMM, and direct depthwise loops (the chooser is conv2d_choose in conv.h).
#include "cpu/conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/gemm/gemm.h"
#include "cpu/ref/conv_ref.h"
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

// NOTE: an im2col tile holds at most this many floats (1 MiB): it is written and then read
// by the GEMM's packing while still in L2, and it bounds the thread-local buffer however
// large the image is (the tile spans fewer output columns instead).
constexpr int64_t kColTileFloats = 256 * 1024;

float* thread_buffer(int64_t n) {
  thread_local std::vector<float> buf;
  if (int64_t(buf.size()) < n) buf.resize(size_t(n));
  return buf.data();
}

// Output columns per im2col tile for a column height of `rows`.
int64_t col_tile(int64_t rows, int64_t cols) {
  int64_t t = std::max<int64_t>(16, kColTileFloats / std::max<int64_t>(rows, 1));
  return std::min(cols, t);
}

// Run `items` independent tasks across the pool only when they divide evenly enough;
// otherwise run them in order and let the GEMM inside each thread itself.
bool split_outer(int64_t items) {
  int64_t t = current_num_threads();
  return t > 1 && items >= t && (items % t == 0 || items >= 4 * t);
}

// Outputs o in [*lo, *hi) are those with 0 <= o*s + off < L (clipped to [0, O)).
void valid_range(int64_t off, int64_t s, int64_t L, int64_t O, int64_t* lo, int64_t* hi) {
  int64_t a = off >= 0 ? 0 : (-off + s - 1) / s;
  int64_t b = L - 1 - off < 0 ? 0 : (L - 1 - off) / s + 1;
  *lo = std::min(a, O);
  *hi = std::max(*lo, std::min(b, O));
}

// Visits the rows of one column tile: f(r, c, ih, off, base, ow0, ow1, lo, hi) where output
// columns j0 + (base + ow) for ow in [ow0, ow1) lie in output row oh, tap r = (c, kh, kw)
// reads input row ih (invalid if outside [0, H)) at column ow*stride_w + off, valid for ow
// in [lo, hi).
template <typename F>
void for_each_tile_row(const Conv2dParams& p, int64_t Cg, int64_t j0, int64_t T, F f) {
  const int64_t j1 = j0 + T, oh_first = j0 / p.OW, oh_last = (j1 - 1) / p.OW;
  int64_t r = 0;
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t kh = 0; kh < p.KH; ++kh)
      for (int64_t kw = 0; kw < p.KW; ++kw, ++r) {
        const int64_t off = kw * p.dil_w - p.pad_w;
        int64_t lo, hi;
        valid_range(off, p.stride_w, p.W, p.OW, &lo, &hi);
        // NOTE: one division per tap row, not per output row: segments are short (OW).
        for (int64_t oh = oh_first; oh <= oh_last; ++oh) {
          const int64_t ow0 = oh == oh_first ? j0 - oh * p.OW : 0;
          const int64_t ow1 = oh == oh_last ? j1 - oh * p.OW : p.OW;
          const int64_t ih = oh * p.stride_h - p.pad_h + kh * p.dil_h;
          const int64_t a = std::min(std::max(lo, ow0), ow1), b = std::max(std::min(hi, ow1), a);
          f(r, c, ih, off, oh * p.OW - j0, ow0, ow1, a, b);
        }
      }
}

// col[Cg*KH*KW, T] = taps of x[Cg, H, W] for output columns [j0, j0 + T).
void im2col_tile(float* col, const float* x, int64_t Cg, const Conv2dParams& p, int64_t j0, int64_t T) {
  const int64_t sw = p.stride_w;
  for_each_tile_row(p, Cg, j0, T, [&](int64_t r, int64_t c, int64_t ih, int64_t off, int64_t base,
                                      int64_t ow0, int64_t ow1, int64_t a, int64_t b) {
    float* __restrict d = col + r * T + base + ow0;  // d[ow - ow0], ow in [ow0, ow1)
    if (ih < 0 || ih >= p.H) a = b = ow1;
    for (int64_t ow = ow0; ow < a; ++ow) d[ow - ow0] = 0.0f;
    if (a < b) {
      const float* xr = x + (c * p.H + ih) * p.W;
      if (sw == 1) for (int64_t ow = a; ow < b; ++ow) d[ow - ow0] = xr[ow + off];
      else for (int64_t ow = a; ow < b; ++ow) d[ow - ow0] = xr[ow * sw + off];
    }
    for (int64_t ow = b; ow < ow1; ++ow) d[ow - ow0] = 0.0f;
  });
}

// dx[Cg, H, W] += the column tile col[Cg*KH*KW, T] scattered back (im2col's adjoint).
void col2im_tile(float* dx, const float* col, int64_t Cg, const Conv2dParams& p, int64_t j0, int64_t T) {
  const int64_t sw = p.stride_w;
  for_each_tile_row(p, Cg, j0, T, [&](int64_t r, int64_t c, int64_t ih, int64_t off, int64_t base,
                                      int64_t ow0, int64_t, int64_t a, int64_t b) {
    if (ih < 0 || ih >= p.H || a >= b) return;
    const float* d = col + r * T + base + ow0;
    float* __restrict xr = dx + (c * p.H + ih) * p.W;
    if (sw == 1) for (int64_t ow = a; ow < b; ++ow) xr[ow + off] += d[ow - ow0];
    else for (int64_t ow = a; ow < b; ++ow) xr[ow * sw + off] += d[ow - ow0];
  });
}

float hsum(vf v) {
  float s = 0.0f;
  for (int k = 0; k < kVecWidth; ++k) s += v[k];
  return s;
}

float sum(const float* a, int64_t n) {
  vf s0 = {}, s1 = {};
  int64_t i = 0;
  for (; i + 2 * kVecWidth <= n; i += 2 * kVecWidth) { s0 += loadu(a + i); s1 += loadu(a + i + kVecWidth); }
  for (; i + kVecWidth <= n; i += kVecWidth) s0 += loadu(a + i);
  float s = hsum(s0 + s1);
  for (; i < n; ++i) s += a[i];
  return s;
}

// Lane-wise partial sums of a[i] * b[i] (the caller sums the lanes once); the scalar
// remainder is added to *tail. NOTE: returned by value so the accumulator stays in a register.
vf dot_lanes(const float* a, const float* b, int64_t n, float* tail) {
  vf acc = {};
  int64_t i = 0;
  for (; i + kVecWidth <= n; i += kVecWidth) acc += loadu(a + i) * loadu(b + i);
  float t = 0.0f;
  for (; i < n; ++i) t += a[i] * b[i];
  *tail += t;
  return acc;
}

// Per-kw valid output column ranges, shared by the depthwise kernels.
void kw_ranges(const Conv2dParams& p, std::vector<int64_t>& lo, std::vector<int64_t>& hi) {
  lo.resize(size_t(p.KW));
  hi.resize(size_t(p.KW));
  for (int64_t kw = 0; kw < p.KW; ++kw)
    valid_range(kw * p.dil_w - p.pad_w, p.stride_w, p.W, p.OW, &lo[size_t(kw)], &hi[size_t(kw)]);
}

// ---- depthwise (C == groups): direct loops over one output plane at a time ----

void depthwise_forward(float* y, const float* x, const float* w, const float* bias,
                       const Conv2dParams& p, int32_t act) {
  const int64_t mult = p.OC / p.C, HW = p.H * p.W, OHW = p.OH * p.OW, KK = p.KH * p.KW;
  std::vector<int64_t> lo, hi;
  kw_ranges(p, lo, hi);
  parallel_for(p.N * p.OC, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, OHW * KK)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t n = i / p.OC, oc = i % p.OC;
      const float* xc = x + (n * p.C + oc / mult) * HW;
      const float* wk = w + oc * KK;
      float* yp = y + i * OHW;
      const float b0 = bias ? bias[oc] : 0.0f;
      for (int64_t oh = 0; oh < p.OH; ++oh) {
        float* __restrict yr = yp + oh * p.OW;
        for (int64_t ow = 0; ow < p.OW; ++ow) yr[ow] = b0;
        for (int64_t kh = 0; kh < p.KH; ++kh) {
          const int64_t ih = oh * p.stride_h - p.pad_h + kh * p.dil_h;
          if (ih < 0 || ih >= p.H) continue;
          const float* xr = xc + ih * p.W;
          for (int64_t kw = 0; kw < p.KW; ++kw) {
            const float wv = wk[kh * p.KW + kw];
            const int64_t off = kw * p.dil_w - p.pad_w, a = lo[size_t(kw)], z = hi[size_t(kw)];
            if (p.stride_w == 1) for (int64_t ow = a; ow < z; ++ow) yr[ow] += wv * xr[ow + off];
            else for (int64_t ow = a; ow < z; ++ow) yr[ow] += wv * xr[ow * p.stride_w + off];
          }
        }
        if (act == kActRelu) for (int64_t ow = 0; ow < p.OW; ++ow) yr[ow] = yr[ow] > 0.0f ? yr[ow] : 0.0f;
      }
    }
  });
}

void depthwise_backward_input(float* dx, const float* dy, const float* w, const Conv2dParams& p) {
  const int64_t mult = p.OC / p.C, HW = p.H * p.W, OHW = p.OH * p.OW, KK = p.KH * p.KW;
  std::vector<int64_t> lo, hi;
  kw_ranges(p, lo, hi);
  parallel_for(p.N * p.C, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, mult * OHW * KK)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const int64_t n = i / p.C, c = i % p.C;
      float* dxc = dx + i * HW;
      std::fill(dxc, dxc + HW, 0.0f);
      for (int64_t m = 0; m < mult; ++m) {
        const int64_t oc = c * mult + m;
        const float* wk = w + oc * KK;
        const float* dyp = dy + (n * p.OC + oc) * OHW;
        for (int64_t oh = 0; oh < p.OH; ++oh) {
          const float* dyr = dyp + oh * p.OW;
          for (int64_t kh = 0; kh < p.KH; ++kh) {
            const int64_t ih = oh * p.stride_h - p.pad_h + kh * p.dil_h;
            if (ih < 0 || ih >= p.H) continue;
            float* __restrict xr = dxc + ih * p.W;
            for (int64_t kw = 0; kw < p.KW; ++kw) {
              const float wv = wk[kh * p.KW + kw];
              const int64_t off = kw * p.dil_w - p.pad_w, a = lo[size_t(kw)], z = hi[size_t(kw)];
              if (p.stride_w == 1) for (int64_t ow = a; ow < z; ++ow) xr[ow + off] += wv * dyr[ow];
              else for (int64_t ow = a; ow < z; ++ow) xr[ow * p.stride_w + off] += wv * dyr[ow];
            }
          }
        }
      }
    }
  });
}

// acc[OC*KH*KW] += weight gradient of images [n0, n1) (float64 accumulators).
void depthwise_backward_weight(double* acc, const float* dy, const float* x, const Conv2dParams& p,
                               int64_t n0, int64_t n1) {
  const int64_t mult = p.OC / p.C, HW = p.H * p.W, OHW = p.OH * p.OW, KK = p.KH * p.KW;
  std::vector<int64_t> lo, hi;
  kw_ranges(p, lo, hi);
  for (int64_t n = n0; n < n1; ++n)
    for (int64_t oc = 0; oc < p.OC; ++oc) {
      const float* xc = x + (n * p.C + oc / mult) * HW;
      const float* dyp = dy + (n * p.OC + oc) * OHW;
      double* a = acc + oc * KK;
      for (int64_t kh = 0; kh < p.KH; ++kh)
        for (int64_t kw = 0; kw < p.KW; ++kw) {
          const int64_t off = kw * p.dil_w - p.pad_w, l = lo[size_t(kw)], z = hi[size_t(kw)];
          if (l >= z) continue;
          vf va = {};
          float tail = 0.0f;
          for (int64_t oh = 0; oh < p.OH; ++oh) {
            const int64_t ih = oh * p.stride_h - p.pad_h + kh * p.dil_h;
            if (ih < 0 || ih >= p.H) continue;
            const float* dyr = dyp + oh * p.OW;
            const float* xr = xc + ih * p.W;
            if (p.stride_w == 1) va += dot_lanes(dyr + l, xr + l + off, z - l, &tail);
            else for (int64_t ow = l; ow < z; ++ow) tail += dyr[ow] * xr[ow * p.stride_w + off];
          }
          a[kh * p.KW + kw] += double(hsum(va)) + double(tail);
        }
    }
}

// ---- GEMM paths (1x1 direct and im2col), one image and one group at a time ----

void gemm_forward_one(float* y, const float* x, const float* w, const float* bias,
                      const Conv2dParams& p, int32_t act, bool direct) {
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups, Kg = Cg * p.KH * p.KW, OHW = p.OH * p.OW;
  const int64_t T = direct ? OHW : col_tile(Kg, OHW);
  float* col = direct ? nullptr : thread_buffer(Kg * T);
  GemmEpilogue ep;
  ep.bias = bias;
  ep.bias_kind = bias ? kBiasPerRow : kBiasNone;
  ep.act = act;
  for (int64_t j0 = 0; j0 < OHW; j0 += T) {
    const int64_t t = std::min(T, OHW - j0);
    if (!direct) im2col_tile(col, x, Cg, p, j0, t);
    sgemm(false, false, OCg, t, Kg, 1.0f, w, Kg, direct ? x + j0 : col, direct ? OHW : t, 0.0f,
          y + j0, OHW, &ep);
  }
}

void gemm_backward_input_one(float* dx, const float* dy, const float* w, const Conv2dParams& p, bool direct) {
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups, Kg = Cg * p.KH * p.KW, OHW = p.OH * p.OW;
  if (direct) {
    sgemm(true, false, Cg, OHW, OCg, 1.0f, w, Kg, dy, OHW, 0.0f, dx, OHW, nullptr);
    return;
  }
  const int64_t T = col_tile(Kg, OHW);
  float* col = thread_buffer(Kg * T);
  std::fill(dx, dx + Cg * p.H * p.W, 0.0f);
  for (int64_t j0 = 0; j0 < OHW; j0 += T) {
    const int64_t t = std::min(T, OHW - j0);
    sgemm(true, false, Kg, t, OCg, 1.0f, w, Kg, dy + j0, OHW, 0.0f, col, t, nullptr);
    col2im_tile(dx, col, Cg, p, j0, t);
  }
}

// dw[OC, Kg] += weight gradient of image x[C, H, W] with dy[OC, OHW], all groups.
void gemm_backward_weight_one(float* dw, const float* dy, const float* x, const Conv2dParams& p, bool direct) {
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups, Kg = Cg * p.KH * p.KW, OHW = p.OH * p.OW;
  const int64_t T = direct ? OHW : col_tile(Kg, OHW);
  float* col = direct ? nullptr : thread_buffer(Kg * T);
  for (int64_t g = 0; g < p.groups; ++g) {
    const float* xg = x + g * Cg * p.H * p.W;
    const float* dyg = dy + g * OCg * OHW;
    for (int64_t j0 = 0; j0 < OHW; j0 += T) {
      const int64_t t = std::min(T, OHW - j0);
      if (!direct) im2col_tile(col, xg, Cg, p, j0, t);
      sgemm(false, true, OCg, Kg, t, 1.0f, dyg + j0, OHW, direct ? xg + j0 : col, direct ? OHW : t,
            1.0f, dw + g * OCg * Kg, Kg, nullptr);
    }
  }
}

int32_t resolve(const Conv2dParams& p, int32_t algo) {
  return algo == kConvAuto || !conv2d_algo_supports(p, algo) ? conv2d_choose(p) : algo;
}

}  // namespace

void conv2d_forward(float* y, const float* x, const float* w, const float* bias,
                    const Conv2dParams& p, int32_t act, int32_t algo) {
  algo = resolve(p, algo);
  const int64_t OHW = p.OH * p.OW;
  if (p.N == 0 || OHW == 0 || p.OC == 0) return;
  if (algo == kConvRef) {
    ref::conv2d_forward(y, x, w, bias, p);
    if (act == kActRelu)
      for (int64_t i = 0; i < p.N * p.OC * OHW; ++i) y[i] = y[i] > 0.0f ? y[i] : 0.0f;
    return;
  }
  if (algo == kConvDepthwise) return depthwise_forward(y, x, w, bias, p, act);
  const bool direct = algo == kConvGemm1x1;
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups, G = p.groups;
  auto one = [&](int64_t i) {
    const int64_t n = i / G, g = i % G;
    gemm_forward_one(y + (n * p.OC + g * OCg) * OHW, x + (n * p.C + g * Cg) * p.H * p.W,
                     w + g * OCg * Cg * p.KH * p.KW, bias ? bias + g * OCg : nullptr, p, act, direct);
  };
  if (split_outer(p.N * G)) parallel_for(p.N * G, 1, [&](int64_t b, int64_t e) { for (int64_t i = b; i < e; ++i) one(i); });
  else for (int64_t i = 0; i < p.N * G; ++i) one(i);
}

void conv2d_backward_input(float* dx, const float* dy, const float* w, const Conv2dParams& p, int32_t algo) {
  algo = resolve(p, algo);
  if (p.N == 0 || p.C == 0 || p.H * p.W == 0) return;
  if (algo == kConvRef) return ref::conv2d_backward_input(dx, dy, w, p);
  if (algo == kConvDepthwise) return depthwise_backward_input(dx, dy, w, p);
  const bool direct = algo == kConvGemm1x1;
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups, G = p.groups, OHW = p.OH * p.OW;
  auto one = [&](int64_t i) {
    const int64_t n = i / G, g = i % G;
    gemm_backward_input_one(dx + (n * p.C + g * Cg) * p.H * p.W, dy + (n * p.OC + g * OCg) * OHW,
                            w + g * OCg * Cg * p.KH * p.KW, p, direct);
  };
  if (split_outer(p.N * G)) parallel_for(p.N * G, 1, [&](int64_t b, int64_t e) { for (int64_t i = b; i < e; ++i) one(i); });
  else for (int64_t i = 0; i < p.N * G; ++i) one(i);
}

void conv2d_backward_weight(float* dw, float* dbias, const float* dy, const float* x,
                            const Conv2dParams& p, int32_t algo) {
  algo = resolve(p, algo);
  const int64_t OHW = p.OH * p.OW, wsz = p.OC * (p.C / p.groups) * p.KH * p.KW;
  if (dbias) channel_sum(dbias, dy, p.N, p.OC, OHW);
  if (algo == kConvRef) {
    ref::conv2d_backward_weight(dw, nullptr, dy, x, p);
    return;
  }
  // Images are split into chunks, each accumulating into its own partial sum.
  const int64_t chunks = split_outer(p.N) ? std::min<int64_t>(p.N, current_num_threads()) : 1;
  if (algo == kConvDepthwise) {
    std::vector<double> acc(size_t(chunks * wsz), 0.0);
    parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t k = b; k < e; ++k)
        depthwise_backward_weight(acc.data() + k * wsz, dy, x, p, k * p.N / chunks, (k + 1) * p.N / chunks);
    });
    for (int64_t i = 0; i < wsz; ++i) {
      double s = 0.0;
      for (int64_t k = 0; k < chunks; ++k) s += acc[size_t(k * wsz + i)];
      dw[i] = float(s);
    }
    return;
  }
  const bool direct = algo == kConvGemm1x1;
  std::vector<float> partial(size_t((chunks - 1) * wsz), 0.0f);
  std::fill(dw, dw + wsz, 0.0f);
  auto run_chunk = [&](int64_t k) {
    float* acc = k == 0 ? dw : partial.data() + (k - 1) * wsz;
    for (int64_t n = k * p.N / chunks; n < (k + 1) * p.N / chunks; ++n)
      gemm_backward_weight_one(acc, dy + n * p.OC * OHW, x + n * p.C * p.H * p.W, p, direct);
  };
  if (chunks > 1) parallel_for(chunks, 1, [&](int64_t b, int64_t e) { for (int64_t k = b; k < e; ++k) run_chunk(k); });
  else run_chunk(0);
  for (int64_t k = 1; k < chunks; ++k) {
    const float* src = partial.data() + (k - 1) * wsz;
    for (int64_t i = 0; i < wsz; ++i) dw[i] += src[i];
  }
}

void channel_bias_add(float* t, const float* bias, int64_t N, int64_t C, int64_t HW) {
  parallel_for(N * C, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, HW)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float v = bias[i % C];
      float* row = t + i * HW;
      for (int64_t j = 0; j < HW; ++j) row[j] += v;
    }
  });
}

void channel_sum(float* dbias, const float* dy, int64_t N, int64_t C, int64_t HW) {
  parallel_for(C, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, N * HW)), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      double s = 0.0;
      for (int64_t n = 0; n < N; ++n) s += double(sum(dy + (n * C + c) * HW, HW));
      dbias[c] = float(s);
    }
  });
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
