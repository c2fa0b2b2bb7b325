// Convolution forward, input-gradient and weight-gradient on the GEMM: 1x1-as-GEMM, tiled
// im2col + GEMM (these two also in bf16 under autocast: Conv2dParams::precision), and
// implicit GEMM (panels packed from the image); the dispatch over all algorithms (chooser:
// conv2d_choose in conv.h; depthwise loops in conv_direct.cpp, Winograd in conv_winograd.cpp).
#include "cpu/conv.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "cpu/gemm/config.h"
#include "cpu/gemm/gemm.h"
#include "cpu/ref/conv_ref.h"
#include "cpu/scratch.h"
#include "cpu/simd.h"
#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

using namespace ::tf::TF_ISA;  // simd.h: vf, kVecWidth

namespace {

// NOTE: an im2col tile holds at most this many floats (1 MiB), which bounds the thread-local
// buffer however large the image is (the tile spans fewer output columns instead). It is
// more than a 512 KB L2; smaller tiles measured slower here (64K and 128K floats, 16x16x64
// 3x3: more, narrower GEMMs), and kConvImplicit avoids the buffer where it applies.
constexpr int64_t kColTileFloats = 256 * 1024;

// Per-thread scratch, slot 0 for column tiles, slot 1 for a gathered dy / GEMM output, slot 2
// for a transposed weight gradient (gemm_dw).
struct ConvScratch;
float* thread_buffer(int slot, int64_t n) { return thread_scratch<ConvScratch, 3>(slot, n); }

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

// With unit strides and OW == W (e.g. 3x3, padding 1), output column j = oh*W + ow of tap
// (kh, kw) reads the input plane at j + shift, shift = (kh*dil_h - pad_h)*W + kw*dil_w - pad_w:
// a tap row is one shifted copy of the plane, except for the |kw*dil_w - pad_w| columns per
// output row that wrap into a neighbouring row (zeroed) and the part before/after the plane.
bool shifted_rows(const Conv2dParams& p) { return p.stride_h == 1 && p.stride_w == 1 && p.OW == p.W; }

// Calls f(r, c, shift, offw, a, b): tap row r (channel c) is plane[j + shift] for j in [a, b)
// and zero elsewhere in [j0, j1) and in the wrapped columns given by offw.
template <typename F>
void for_each_shifted_row(const Conv2dParams& p, int64_t Cg, int64_t j0, int64_t j1, F f) {
  const int64_t HW = p.H * p.W;
  int64_t r = 0;
  for (int64_t c = 0; c < Cg; ++c)
    for (int64_t kh = 0; kh < p.KH; ++kh)
      for (int64_t kw = 0; kw < p.KW; ++kw, ++r) {
        const int64_t offw = kw * p.dil_w - p.pad_w, shift = (kh * p.dil_h - p.pad_h) * p.W + offw;
        const int64_t a = std::min(std::max(j0, -shift), j1), b = std::max(a, std::min(j1, HW - shift));
        f(r, c, shift, offw, a, b);
      }
}

// Calls z(j_begin, j_end) for the wrapped columns of every output row within [j0, j1).
template <typename Z>
void for_each_wrapped(const Conv2dParams& p, int64_t offw, int64_t j0, int64_t j1, Z z) {
  if (offw == 0) return;
  const int64_t W = p.W, c0 = offw < 0 ? 0 : std::max<int64_t>(W - offw, 0), c1 = offw < 0 ? std::min(W, -offw) : W;
  for (int64_t oh = j0 / W; oh * W < j1; ++oh) {
    const int64_t a = std::max(j0, oh * W + c0), b = std::min(j1, oh * W + c1);
    if (a < b) z(a, b);
  }
}

// Shifted rows: d[j - j0] for j in [j0, j1) = the tap row whose valid part is plane xc at
// j + shift for j in [a, b), zero elsewhere and in the wrapped columns given by offw.
void shifted_row(float* __restrict d, const float* xc, const Conv2dParams& p, int64_t shift, int64_t offw,
                 int64_t j0, int64_t j1, int64_t a, int64_t b) {
  for (int64_t j = j0; j < a; ++j) d[j - j0] = 0.0f;
  if (a < b) std::memcpy(d + (a - j0), xc + (a + shift), size_t(b - a) * sizeof(float));
  for (int64_t j = b; j < j1; ++j) d[j - j0] = 0.0f;
  for_each_wrapped(p, offw, j0, j1, [&](int64_t u, int64_t v) { for (int64_t j = u; j < v; ++j) d[j - j0] = 0.0f; });
}

// col[Cg*KH*KW, T] (row stride ldc) = taps of x[Cg, H, W] for output columns [j0, j0 + T).
void im2col_tile(float* col, int64_t ldc, const float* x, int64_t Cg, const Conv2dParams& p, int64_t j0, int64_t T) {
  if (shifted_rows(p)) {
    const int64_t j1 = j0 + T, HW = p.H * p.W;
    for_each_shifted_row(p, Cg, j0, j1, [&](int64_t r, int64_t c, int64_t shift, int64_t offw, int64_t a, int64_t b) {
      shifted_row(col + r * ldc, x + c * HW, p, shift, offw, j0, j1, a, b);
    });
    return;
  }
  const int64_t sw = p.stride_w;
  for_each_tile_row(p, Cg, j0, T, [&](int64_t r, int64_t c, int64_t ih, int64_t off, int64_t base,
                                      int64_t ow0, int64_t ow1, int64_t a, int64_t b) {
    float* __restrict d = col + r * ldc + base + ow0;  // d[ow - ow0], ow in [ow0, ow1)
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

// dx[Cg, H, W] += the column tile col[Cg*KH*KW, T] (row stride ldc) scattered back (im2col's adjoint).
// NOTE: col is scratch and gets clobbered (the wrapped columns are zeroed before the add).
void col2im_tile(float* dx, float* col, int64_t ldc, int64_t Cg, const Conv2dParams& p, int64_t j0, int64_t T) {
  if (shifted_rows(p)) {
    const int64_t j1 = j0 + T, HW = p.H * p.W;
    for_each_shifted_row(p, Cg, j0, j1, [&](int64_t r, int64_t c, int64_t shift, int64_t offw, int64_t a, int64_t b) {
      float* d = col + r * ldc;
      for_each_wrapped(p, offw, j0, j1, [&](int64_t u, int64_t v) { for (int64_t j = u; j < v; ++j) d[j - j0] = 0.0f; });
      float* __restrict xs = dx + c * HW + shift;  // xs[j], j in [a, b), stays inside the plane
      for (int64_t j = a; j < b; ++j) xs[j] += d[j - j0];
    });
    return;
  }
  const int64_t sw = p.stride_w;
  for_each_tile_row(p, Cg, j0, T, [&](int64_t r, int64_t c, int64_t ih, int64_t off, int64_t base,
                                      int64_t ow0, int64_t, int64_t a, int64_t b) {
    if (ih < 0 || ih >= p.H || a >= b) return;
    const float* d = col + r * ldc + base + ow0;
    float* __restrict xr = dx + (c * p.H + ih) * p.W;
    if (sw == 1) for (int64_t ow = a; ow < b; ++ow) xr[ow + off] += d[ow - ow0];
    else for (int64_t ow = a; ow < b; ++ow) xr[ow * sw + off] += d[ow - ow0];
  });
}

// ---- GEMM paths (1x1 direct and im2col) ----
// Large images: one image and group per task, GEMM straight into y, the columns tiled.
// Small images (OH*OW < kConvBatchBelow): nb images side by side in one column buffer, so the
// GEMM sees nb*OH*OW columns instead of a skinny product per image; dy is gathered and the
// output scattered per image (cheap next to the GEMM).

// The GEMM of the GEMM paths: sgemm, or under autocast (p.precision) the bf16 GEMM with
// fp32 accumulation, on AMX tiles where the binding chose them. Same contract as sgemm.
void gemm(const Conv2dParams& p, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
          const GemmEpilogue* ep) {
  auto fn = p.precision == kConvBf16Amx ? ::tf::cpu::avx512::sbgemm_amx : p.precision == kConvBf16 ? sbgemm : sgemm;
  fn(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
}

int64_t images_per_block(const Conv2dParams& p) {
  const int64_t Kg = (p.C / p.groups) * p.KH * p.KW, OHW = p.OH * p.OW;
  if (p.N <= 1 || OHW >= kConvBatchBelow) return 1;
  int64_t nb = std::max<int64_t>(1, kColTileFloats / std::max<int64_t>(1, Kg * OHW));
  nb = std::min(nb, std::max<int64_t>(1, 2048 / OHW));
  const int64_t t = current_num_threads();
  return std::max<int64_t>(1, std::min(nb, (p.N + t - 1) / t));
}

GemmEpilogue make_epilogue(const float* bias, int32_t act) {
  GemmEpilogue ep;
  ep.bias = bias;
  ep.bias_kind = bias ? kBiasPerRow : kBiasNone;
  ep.act = act;
  return ep;
}

void gemm_forward_one(float* y, const float* x, const float* w, const float* bias,
                      const Conv2dParams& p, int32_t act, bool direct) {
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups, Kg = Cg * p.KH * p.KW, OHW = p.OH * p.OW;
  const int64_t T = direct ? OHW : col_tile(Kg, OHW);
  float* col = direct ? nullptr : thread_buffer(0, Kg * T);
  const GemmEpilogue ep = make_epilogue(bias, act);
  for (int64_t j0 = 0; j0 < OHW; j0 += T) {
    const int64_t t = std::min(T, OHW - j0);
    if (!direct) im2col_tile(col, t, x, Cg, p, j0, t);
    gemm(p, false, false, OCg, t, Kg, 1.0f, w, Kg, direct ? x + j0 : col, direct ? OHW : t, 0.0f,
          y + j0, OHW, &ep);
  }
}

// Images [n0, n0 + nb) of group g, side by side.
void gemm_forward_block(float* y, const float* x, const float* w, const float* bias,
                        const Conv2dParams& p, int32_t act, int64_t n0, int64_t nb, int64_t g) {
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups, Kg = Cg * p.KH * p.KW, OHW = p.OH * p.OW;
  const int64_t cols = nb * OHW;
  float* col = thread_buffer(0, Kg * cols);
  float* out = thread_buffer(1, OCg * cols);
  for (int64_t k = 0; k < nb; ++k)
    im2col_tile(col + k * OHW, cols, x + ((n0 + k) * p.C + g * Cg) * p.H * p.W, Cg, p, 0, OHW);
  const GemmEpilogue ep = make_epilogue(bias ? bias + g * OCg : nullptr, act);
  gemm(p, false, false, OCg, cols, Kg, 1.0f, w + g * OCg * Kg, Kg, col, cols, 0.0f, out, cols, &ep);
  for (int64_t k = 0; k < nb; ++k)
    for (int64_t oc = 0; oc < OCg; ++oc)
      std::memcpy(y + ((n0 + k) * p.OC + g * OCg + oc) * OHW, out + oc * cols + k * OHW, size_t(OHW) * sizeof(float));
}

void gemm_backward_input_one(float* dx, const float* dy, const float* w, const Conv2dParams& p, bool direct) {
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups, Kg = Cg * p.KH * p.KW, OHW = p.OH * p.OW;
  if (direct) {
    gemm(p, true, false, Cg, OHW, OCg, 1.0f, w, Kg, dy, OHW, 0.0f, dx, OHW, nullptr);
    return;
  }
  const int64_t T = col_tile(Kg, OHW);
  float* col = thread_buffer(0, Kg * T);
  std::fill(dx, dx + Cg * p.H * p.W, 0.0f);
  for (int64_t j0 = 0; j0 < OHW; j0 += T) {
    const int64_t t = std::min(T, OHW - j0);
    gemm(p, true, false, Kg, t, OCg, 1.0f, w, Kg, dy + j0, OHW, 0.0f, col, t, nullptr);
    col2im_tile(dx, col, t, Cg, p, j0, t);
  }
}

// dyb[OCg, nb*OHW] = dy of images [n0, n0 + nb), group g, side by side.
float* gather_dy(const float* dy, const Conv2dParams& p, int64_t n0, int64_t nb, int64_t g) {
  const int64_t OCg = p.OC / p.groups, OHW = p.OH * p.OW, cols = nb * OHW;
  float* dyb = thread_buffer(1, OCg * cols);
  for (int64_t k = 0; k < nb; ++k)
    for (int64_t oc = 0; oc < OCg; ++oc)
      std::memcpy(dyb + oc * cols + k * OHW, dy + ((n0 + k) * p.OC + g * OCg + oc) * OHW, size_t(OHW) * sizeof(float));
  return dyb;
}

void gemm_backward_input_block(float* dx, const float* dy, const float* w, const Conv2dParams& p,
                               int64_t n0, int64_t nb, int64_t g) {
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups, Kg = Cg * p.KH * p.KW, OHW = p.OH * p.OW;
  const int64_t cols = nb * OHW, HW = p.H * p.W;
  const float* dyb = gather_dy(dy, p, n0, nb, g);
  float* col = thread_buffer(0, Kg * cols);
  gemm(p, true, false, Kg, cols, OCg, 1.0f, w + g * OCg * Kg, Kg, dyb, cols, 0.0f, col, cols, nullptr);
  for (int64_t k = 0; k < nb; ++k) {
    float* dxi = dx + ((n0 + k) * p.C + g * Cg) * HW;
    std::fill(dxi, dxi + Cg * HW, 0.0f);
    col2im_tile(dxi, col + k * OHW, cols, Cg, p, 0, OHW);
  }
}

// dw[OCg, Kg] += dy[OCg, K] . col[Kg, K]^T (leading dimensions lddy, ldcol). A narrow
// gradient (a first layer: Kg = C*KH*KW below the micro-kernel's NR columns, 9 for a 3x3 on
// one channel) is computed transposed, dw^T = col . dy^T, so the NR-wide packed panels hold
// output channels instead of padding: conv 1->32 3x3 on 128x28x28 spent 3/4 of its weight
// gradient packing and multiplying zeros.
void gemm_dw(const Conv2dParams& p, int64_t OCg, int64_t Kg, int64_t K, const float* dy, int64_t lddy,
             const float* col, int64_t ldcol, float* dw) {
  if (Kg < gemm_cfg::kNR && Kg < OCg) {
    float* t = thread_buffer(2, Kg * OCg);
    gemm(p, false, true, Kg, OCg, K, 1.0f, col, ldcol, dy, lddy, 0.0f, t, OCg, nullptr);
    for (int64_t o = 0; o < OCg; ++o)
      for (int64_t k = 0; k < Kg; ++k) dw[o * Kg + k] += t[k * OCg + o];
    return;
  }
  gemm(p, false, true, OCg, Kg, K, 1.0f, dy, lddy, col, ldcol, 1.0f, dw, Kg, nullptr);
}

// dw[OC, Kg] += weight gradient of images [n0, n0 + nb), all groups.
void gemm_backward_weight_block(float* dw, const float* dy, const float* x, const Conv2dParams& p,
                                bool direct, int64_t n0, int64_t nb) {
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups, Kg = Cg * p.KH * p.KW, OHW = p.OH * p.OW;
  const int64_t HW = p.H * p.W;
  if (nb > 1) {
    const int64_t cols = nb * OHW;
    for (int64_t g = 0; g < p.groups; ++g) {
      const float* dyb = gather_dy(dy, p, n0, nb, g);
      float* col = thread_buffer(0, Kg * cols);
      for (int64_t k = 0; k < nb; ++k)
        im2col_tile(col + k * OHW, cols, x + ((n0 + k) * p.C + g * Cg) * HW, Cg, p, 0, OHW);
      gemm_dw(p, OCg, Kg, cols, dyb, cols, col, cols, dw + g * OCg * Kg);
    }
    return;
  }
  const int64_t T = direct ? OHW : col_tile(Kg, OHW);
  float* col = direct ? nullptr : thread_buffer(0, Kg * T);
  for (int64_t g = 0; g < p.groups; ++g) {
    const float* xg = x + (n0 * p.C + g * Cg) * HW;
    const float* dyg = dy + (n0 * p.OC + g * OCg) * OHW;
    for (int64_t j0 = 0; j0 < OHW; j0 += T) {
      const int64_t t = std::min(T, OHW - j0);
      if (!direct) im2col_tile(col, t, xg, Cg, p, j0, t);
      gemm_dw(p, OCg, Kg, t, dyg + j0, OHW, direct ? xg + j0 : col, direct ? OHW : t, dw + g * OCg * Kg);
    }
  }
}

// ---- narrow columns (first layers: Kg = C*KH*KW of a group up to kNarrowKg) ----
// A GEMM with K = 9 (a 3x3 on one channel) spends its time packing and storing tiles, not
// multiplying: conv 1->32 3x3 on 128x28x28 ran at 55 GFLOP/s forward and 30 for the weight
// gradient. Here a column tile of one image (Kg x T floats, T sized for L1) is built once and
// every output, and every weight-gradient sum, is a dot product over it, vectorized across
// output pixels; the bias gradient is summed in the same pass over dy. Under autocast the
// forward rounds the columns and weights to bf16 first: the bf16 GEMM's function (products
// exact in fp32, fp32 sums), summed in another order; the weight gradient stays on the bf16
// GEMM there.

constexpr int64_t kNarrowKg = 32;
// NOTE: the forward only up to 16 columns: at 25 and 27 (a 5x5 on one channel, a 3x3 on RGB)
// the GEMM was as fast in fp32 and faster in bf16 (AMX).
constexpr int64_t kNarrowForwardKg = 16;

bool narrow_columns(const Conv2dParams& p, int32_t algo, int64_t max_kg) {
  return algo == kConvIm2col && (p.C / p.groups) * p.KH * p.KW <= max_kg;
}

// Columns per narrow tile: Kg * T floats within 32 KiB, a whole number of vectors.
int64_t narrow_tile(int64_t Kg, int64_t OHW) {
  const int64_t t = std::max<int64_t>(kVecWidth, 8192 / std::max<int64_t>(Kg, 1) / kVecWidth * kVecWidth);
  return std::min(t, OHW);
}

// a[0, n) rounded to bf16 in place (gemm.h bf16_round: the GEMMs' rule; the loop vectorizes).
void bf16_round_inplace(float* a, int64_t n) {
  for (int64_t i = 0; i < n; ++i) a[i] = bf16_round(a[i]);
}

// y[OCg, OHW] = act(w[OCg, Kg] . im2col(x) + bias) for one image and group. Two output
// channels and four vectors of pixels at a time: eight independent FMA chains (one chain per
// output vector would wait on the FMA latency at every tap).
void narrow_forward_one(float* y, const float* x, const float* w, const float* bias, const Conv2dParams& p,
                        int32_t act) {
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups, Kg = Cg * p.KH * p.KW, OHW = p.OH * p.OW;
  const int64_t T = narrow_tile(Kg, OHW);
  const bool bf16 = p.precision != kConvF32, relu = act == kActRelu;
  float* col = thread_buffer(0, Kg * T);
  float w0[kNarrowKg], w1[kNarrowKg];
  const vf zero = {};
  auto out = [&](vf v) { return relu ? (v > 0.0f ? v : zero) : v; };
  for (int64_t j0 = 0; j0 < OHW; j0 += T) {
    const int64_t t = std::min(T, OHW - j0);
    im2col_tile(col, t, x, Cg, p, j0, t);
    if (bf16) bf16_round_inplace(col, Kg * t);
    for (int64_t oc = 0; oc < OCg; oc += 2) {
      const bool two = oc + 1 < OCg;  // an odd last channel runs with zero weights in the second slot
      for (int64_t r = 0; r < Kg; ++r) {
        w0[r] = bf16 ? bf16_round(w[oc * Kg + r]) : w[oc * Kg + r];
        w1[r] = !two ? 0.0f : bf16 ? bf16_round(w[(oc + 1) * Kg + r]) : w[(oc + 1) * Kg + r];
      }
      const float b0 = bias ? bias[oc] : 0.0f, b1 = bias && two ? bias[oc + 1] : 0.0f;
      float* y0 = y + oc * OHW + j0;
      float* y1 = two ? y0 + OHW : nullptr;
      int64_t j = 0;
      for (; j + 4 * kVecWidth <= t; j += 4 * kVecWidth) {
        vf a[4], c[4];
        for (int i = 0; i < 4; ++i) a[i] = zero + b0, c[i] = zero + b1;
        for (int64_t r = 0; r < Kg; ++r) {
          const float* cr = col + r * t + j;
#pragma GCC unroll 4
          for (int i = 0; i < 4; ++i) {
            const vf v = vload(cr + i * kVecWidth);
            a[i] += w0[r] * v;
            c[i] += w1[r] * v;
          }
        }
        for (int i = 0; i < 4; ++i) {
          vstore(y0 + j + i * kVecWidth, out(a[i]));
          if (two) vstore(y1 + j + i * kVecWidth, out(c[i]));
        }
      }
      for (; j + kVecWidth <= t; j += kVecWidth) {
        vf a = zero + b0, c = zero + b1;
        for (int64_t r = 0; r < Kg; ++r) {
          const vf v = vload(col + r * t + j);
          a += w0[r] * v;
          c += w1[r] * v;
        }
        vstore(y0 + j, out(a));
        if (two) vstore(y1 + j, out(c));
      }
      for (; j < t; ++j) {
        float a = b0, c = b1;
        for (int64_t r = 0; r < Kg; ++r) a += w0[r] * col[r * t + j], c += w1[r] * col[r * t + j];
        y0[j] = relu && !(a > 0.0f) ? 0.0f : a;
        if (two) y1[j] = relu && !(c > 0.0f) ? 0.0f : c;
      }
    }
  }
}

// The weight-gradient dots of output channels [oc0, oc0 + nob) and taps [r0, r0 + nrb) over
// one tile of t pixels, kOB x kRB of them at once in registers (each dy and column vector
// loaded once for kRB or kOB FMAs; one dot at a time loaded two vectors per FMA): vector
// (oc * Kg + r) of vacc += the partial sums of dy[oc] . col[r]. Rows past nob / nrb repeat
// the last one and are not stored. dy rows are dy_stride apart, column rows t.
constexpr int kOB = 4, kRB = 5;
void narrow_dw_block(float* vacc, const float* dy, int64_t dy_stride, const float* col, int64_t t, int64_t Kg,
                     int64_t oc0, int nob, int64_t r0, int nrb) {
  const float* g[kOB];
  const float* c[kRB];
  for (int i = 0; i < kOB; ++i) g[i] = dy + (oc0 + std::min(i, nob - 1)) * dy_stride;
  for (int k = 0; k < kRB; ++k) c[k] = col + (r0 + std::min(k, nrb - 1)) * t;
  vf acc[kOB][kRB];
  for (int i = 0; i < kOB; ++i)
    for (int k = 0; k < kRB; ++k) acc[i][k] = vf{};
  const int64_t tv = t / kVecWidth * kVecWidth;
  auto step = [&](const vf (&gv)[kOB], const vf (&cv)[kRB]) {
#pragma GCC unroll 4
    for (int i = 0; i < kOB; ++i)
#pragma GCC unroll 5
      for (int k = 0; k < kRB; ++k) acc[i][k] += gv[i] * cv[k];
  };
  vf gv[kOB], cv[kRB];
  for (int64_t j = 0; j < tv; j += kVecWidth) {
    for (int i = 0; i < kOB; ++i) gv[i] = vload(g[i] + j);
    for (int k = 0; k < kRB; ++k) cv[k] = vload(c[k] + j);
    step(gv, cv);
  }
  if (tv < t) {  // the pixels past the last whole vector, zero-padded
    for (int i = 0; i < kOB; ++i) { gv[i] = vf{}; for (int64_t j = tv; j < t; ++j) gv[i][j - tv] = g[i][j]; }
    for (int k = 0; k < kRB; ++k) { cv[k] = vf{}; for (int64_t j = tv; j < t; ++j) cv[k][j - tv] = c[k][j]; }
    step(gv, cv);
  }
  for (int i = 0; i < nob; ++i)
    for (int k = 0; k < nrb; ++k) {
      float* v = vacc + ((oc0 + i) * Kg + r0 + k) * kVecWidth;
      vstore(v, vload(v) + acc[i][k]);
    }
}

// Vector i of vacc (floats [i * kVecWidth, (i + 1) * kVecWidth)) += the partial sums of
// dy[oc] . im2col(x)[r] for i = oc * Kg + r, and, with bias, of dy[oc] for i = OCg * Kg + oc,
// for one image and group (reduced to floats once per chunk of images by narrow_reduce: a
// horizontal sum per tap and image cost as much as the dot product).
void narrow_backward_weight_one(float* vacc, bool bias, const float* dy, const float* x, const Conv2dParams& p) {
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups, Kg = Cg * p.KH * p.KW, OHW = p.OH * p.OW;
  const int64_t T = narrow_tile(Kg, OHW);
  float* col = thread_buffer(0, Kg * T);
  for (int64_t j0 = 0; j0 < OHW; j0 += T) {
    const int64_t t = std::min(T, OHW - j0), tv = t / kVecWidth * kVecWidth;
    im2col_tile(col, t, x, Cg, p, j0, t);
    for (int64_t oc = 0; bias && oc < OCg; ++oc) {
      const float* g = dy + oc * OHW + j0;
      vf s0 = {}, s1 = {};
      int64_t j = 0;
      for (; j + 2 * kVecWidth <= tv; j += 2 * kVecWidth) s0 += vload(g + j), s1 += vload(g + j + kVecWidth);
      for (; j < tv; j += kVecWidth) s0 += vload(g + j);
      for (; j < t; ++j) s1[0] += g[j];
      float* v = vacc + (OCg * Kg + oc) * kVecWidth;
      vstore(v, vload(v) + (s0 + s1));
    }
    for (int64_t oc = 0; oc < OCg; oc += kOB)
      for (int64_t r = 0; r < Kg; r += kRB)
        narrow_dw_block(vacc, dy + j0, OHW, col, t, Kg, oc, int(std::min<int64_t>(kOB, OCg - oc)), r,
                        int(std::min<int64_t>(kRB, Kg - r)));
  }
}

// dst[i] += the sum of the vector vacc[i * kVecWidth, (i + 1) * kVecWidth), i < n.
void narrow_reduce(float* dst, const float* vacc, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float s = 0.0f;
    for (int k = 0; k < kVecWidth; ++k) s += vacc[i * kVecWidth + k];
    dst[i] += s;
  }
}

// ---- implicit GEMM (kConvImplicit, shifted rows only) ----
// The GEMM asks for its B panels (gemm.h GemmPanelSource) and they are packed from the image:
// forward B = im2col(x)[Kg, OHW], weight gradient op(B) = im2col(x)^T [OHW, Kg]. No column
// buffer is written; a panel is at most KC x NR floats and stays in L1.

constexpr int kNR = gemm_cfg::kNR;
typedef int32_t vi_u __attribute__((vector_size(kVecWidth * 4), aligned(4), may_alias));

// Tap r = (c, kh, kw) of output pixel j reads channel chan[r] at j + shift[r] when column
// ow(j) + kw*dil_w - pad_w lies in [0, W) (then the row is valid iff 0 <= j + shift < HW).
struct ShiftedTaps {
  const Conv2dParams* p;
  std::vector<int64_t> shift;
  std::vector<int32_t> chan, kw;
  explicit ShiftedTaps(const Conv2dParams& q) : p(&q) {
    const int64_t Cg = q.C / q.groups;
    for_each_shifted_row(q, Cg, 0, 0, [&](int64_t, int64_t c, int64_t sh, int64_t, int64_t, int64_t) {
      shift.push_back(sh);
      chan.push_back(int32_t(c));
    });
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t kh = 0; kh < q.KH; ++kh)
        for (int64_t k = 0; k < q.KW; ++k) kw.push_back(int32_t(k));
  }
};

// One image and group: x[Cg, H, W].
struct ImageSource {
  const ShiftedTaps* taps;
  const float* x;
};

// mask[kw*kNR + t] = all ones if t < n and output pixel j0 + t's column is valid for tap column kw.
void column_masks(int32_t* mask, const Conv2dParams& p, int64_t j0, int64_t n) {
  for (int64_t kw = 0; kw < p.KW; ++kw) {
    const int64_t offw = kw * p.dil_w - p.pad_w;
    int64_t ow = j0 % p.W;
    for (int t = 0; t < kNR; ++t) {
      const int64_t iw = ow + offw;
      mask[kw * kNR + t] = t < n && iw >= 0 && iw < p.W ? -1 : 0;
      if (++ow == p.W) ow = 0;
    }
  }
}

// Forward (GemmPanelSource::kPanelRows): dst[k*kNR + t] = tap p0 + k of pixel j0 + t.
void forward_panel(const void* ctx, float* dst, int64_t p0, int64_t kc, int64_t j0, int64_t n) {
  const ImageSource& s = *static_cast<const ImageSource*>(ctx);
  const ShiftedTaps& taps = *s.taps;
  const Conv2dParams& p = *taps.p;
  const int64_t HW = p.H * p.W;
  thread_local std::vector<int32_t> t_mask;
  if (int64_t(t_mask.size()) < p.KW * kNR) t_mask.resize(size_t(p.KW * kNR));
  int32_t* mask = t_mask.data();
  column_masks(mask, p, j0, n);
  for (int64_t k = 0; k < kc; ++k) {
    const int64_t r = p0 + k, base = j0 + taps.shift[r];
    const float* xc = s.x + taps.chan[r] * HW;
    const int32_t* m = mask + taps.kw[r] * kNR;
    float* d = dst + k * kNR;
    if (base >= 0 && base + kNR <= HW) {
      for (int v = 0; v < kNR; v += kVecWidth) {
        // NOTE: a bitwise mask, not a multiply: 0 * inf would turn a padding tap into NaN.
        const vi bits = reinterpret_cast<const vi_u*>(xc + base + v)[0] & reinterpret_cast<const vi_u*>(m + v)[0];
        vstore(d + v, (vf)bits);  // same-size vector cast: reinterprets the bits
      }
    } else {
      for (int t = 0; t < kNR; ++t) {
        const int64_t i = base + t;
        d[t] = m[t] && i >= 0 && i < HW ? xc[i] : 0.0f;
      }
    }
  }
}

// Weight gradient (GemmPanelSource::kPanelCols): dst[t*kc + k] = tap j0 + t of pixel p0 + k.
void weight_panel(const void* ctx, float* dst, int64_t p0, int64_t kc, int64_t j0, int64_t n) {
  const ImageSource& s = *static_cast<const ImageSource*>(ctx);
  const ShiftedTaps& taps = *s.taps;
  const Conv2dParams& p = *taps.p;
  const int64_t HW = p.H * p.W, j1 = p0 + kc;
  for (int64_t t = 0; t < n; ++t) {
    const int64_t r = j0 + t, shift = taps.shift[r], offw = taps.kw[r] * p.dil_w - p.pad_w;
    const int64_t a = std::min(std::max(p0, -shift), j1), b = std::max(a, std::min(j1, HW - shift));
    shifted_row(dst + t * kc, s.x + taps.chan[r] * HW, p, shift, offw, p0, j1, a, b);
  }
}

// y[OCg, OHW] = act(w[OCg, Kg] . im2col(x) + bias) for one image and group.
void implicit_forward_one(float* y, const float* x, const float* w, const float* bias, const ShiftedTaps& taps,
                          int32_t act) {
  const Conv2dParams& p = *taps.p;
  const int64_t OCg = p.OC / p.groups, Kg = (p.C / p.groups) * p.KH * p.KW, OHW = p.OH * p.OW;
  const ImageSource src{&taps, x};
  const GemmPanelSource b{forward_panel, &src, GemmPanelSource::kPanelRows};
  const GemmEpilogue ep = make_epilogue(bias, act);
  sgemm_implicit_b(false, OCg, OHW, Kg, 1.0f, w, Kg, b, 0.0f, y, OHW, &ep);
}

// dw[OCg, Kg] += dy[OCg, OHW] . im2col(x)^T for one image and group.
void implicit_backward_weight_one(float* dw, const float* dy, const float* x, const ShiftedTaps& taps) {
  const Conv2dParams& p = *taps.p;
  const int64_t OCg = p.OC / p.groups, Kg = (p.C / p.groups) * p.KH * p.KW, OHW = p.OH * p.OW;
  const ImageSource src{&taps, x};
  const GemmPanelSource b{weight_panel, &src, GemmPanelSource::kPanelCols};
  sgemm_implicit_b(false, OCg, Kg, OHW, 1.0f, dy, OHW, b, 1.0f, dw, Kg, nullptr);
}

// Runs task(i) for i in [0, items): across the pool when the items split evenly enough,
// else in order (each GEMM then threads itself).
template <typename F>
void run_items(int64_t items, F task) {
  if (split_outer(items)) parallel_for(items, 1, [&](int64_t b, int64_t e) { for (int64_t i = b; i < e; ++i) task(i); });
  else for (int64_t i = 0; i < items; ++i) task(i);
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
  if (algo == kConvDepthwise) return depthwise_conv2d_forward(y, x, w, bias, p, act);
  if (algo == kConvWinograd) return winograd_conv2d_forward(y, x, w, bias, p, act);
  const bool direct = algo == kConvGemm1x1;
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups, G = p.groups, nb = images_per_block(p);
  if (algo == kConvImplicit) {
    const ShiftedTaps taps(p);
    run_items(p.N * G, [&](int64_t i) {
      const int64_t n = i / G, g = i % G;
      implicit_forward_one(y + (n * p.OC + g * OCg) * OHW, x + (n * p.C + g * Cg) * p.H * p.W,
                           w + g * OCg * Cg * p.KH * p.KW, bias ? bias + g * OCg : nullptr, taps, act);
    });
    return;
  }
  if (narrow_columns(p, algo, kNarrowForwardKg)) {
    run_items(p.N * G, [&](int64_t i) {
      const int64_t n = i / G, g = i % G;
      narrow_forward_one(y + (n * p.OC + g * OCg) * OHW, x + (n * p.C + g * Cg) * p.H * p.W,
                         w + g * OCg * Cg * p.KH * p.KW, bias ? bias + g * OCg : nullptr, p, act);
    });
    return;
  }
  if (nb > 1) {
    const int64_t blocks = (p.N + nb - 1) / nb;
    run_items(blocks * G, [&](int64_t i) {
      const int64_t n0 = (i / G) * nb;
      gemm_forward_block(y, x, w, bias, p, act, n0, std::min(nb, p.N - n0), i % G);
    });
    return;
  }
  run_items(p.N * G, [&](int64_t i) {
    const int64_t n = i / G, g = i % G;
    gemm_forward_one(y + (n * p.OC + g * OCg) * OHW, x + (n * p.C + g * Cg) * p.H * p.W,
                     w + g * OCg * Cg * p.KH * p.KW, bias ? bias + g * OCg : nullptr, p, act, direct);
  });
}

void conv2d_backward_input(float* dx, const float* dy, const float* w, const Conv2dParams& p, int32_t algo) {
  algo = resolve(p, algo);
  if (p.N == 0 || p.C == 0 || p.H * p.W == 0) return;
  if (algo == kConvRef) return ref::conv2d_backward_input(dx, dy, w, p);
  if (algo == kConvDepthwise) return depthwise_conv2d_backward_input(dx, dy, w, p);
  const bool direct = algo == kConvGemm1x1;
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups, G = p.groups, OHW = p.OH * p.OW;
  if (algo == kConvImplicit || algo == kConvWinograd) {
    // With unit strides the input gradient is itself a convolution: dy correlated with the
    // flipped, transposed weights, padding dil*(K-1) - pad. Its GEMM has K = OC*KH*KW
    // instead of OC, and there is no col2im pass. A 3x3 unit-stride convolution's transpose
    // is again one, so Winograd runs it too.
    Conv2dParams q = p;
    q.C = p.OC, q.H = p.OH, q.W = p.OW, q.OC = p.C, q.OH = p.H, q.OW = p.W;
    q.pad_h = p.dil_h * (p.KH - 1) - p.pad_h, q.pad_w = p.dil_w * (p.KW - 1) - p.pad_w;
    const int64_t taps = p.KH * p.KW;
    thread_local std::vector<float> t_wt;
    if (int64_t(t_wt.size()) < p.OC * Cg * taps) t_wt.resize(size_t(p.OC * Cg * taps));
    float* wt = t_wt.data();  // [C, OCg, KH, KW]
    for (int64_t g = 0; g < G; ++g)
      for (int64_t oc = 0; oc < OCg; ++oc)
        for (int64_t c = 0; c < Cg; ++c) {
          const float* src = w + ((g * OCg + oc) * Cg + c) * taps;
          float* dst = wt + ((g * Cg + c) * OCg + oc) * taps;
          for (int64_t t = 0; t < taps; ++t) dst[t] = src[taps - 1 - t];
        }
    return conv2d_forward(dx, dy, wt, nullptr, q, kActNone, algo);
  }
  const int64_t nb = images_per_block(p);
  if (nb > 1) {
    const int64_t blocks = (p.N + nb - 1) / nb;
    run_items(blocks * G, [&](int64_t i) {
      const int64_t n0 = (i / G) * nb;
      gemm_backward_input_block(dx, dy, w, p, n0, std::min(nb, p.N - n0), i % G);
    });
    return;
  }
  run_items(p.N * G, [&](int64_t i) {
    const int64_t n = i / G, g = i % G;
    gemm_backward_input_one(dx + (n * p.C + g * Cg) * p.H * p.W, dy + (n * p.OC + g * OCg) * OHW,
                            w + g * OCg * Cg * p.KH * p.KW, p, direct);
  });
}

void conv2d_backward_weight(float* dw, float* dbias, const float* dy, const float* x,
                            const Conv2dParams& p, int32_t algo) {
  algo = resolve(p, algo);
  const int64_t OHW = p.OH * p.OW, wsz = p.OC * (p.C / p.groups) * p.KH * p.KW;
  // NOTE: fp32 only: under autocast the bf16 GEMM (AMX) computes these sums faster than the
  // narrow path rounds dy (1 thread, 1->32 3x3 on 128x28x28: 3.1-3.4 ms against 3.5-4.0).
  const bool narrow = narrow_columns(p, algo, kNarrowKg) && p.precision == kConvF32;
  if (dbias && !narrow) channel_sum(dbias, dy, p.N, p.OC, OHW);
  if (algo == kConvRef) {
    ref::conv2d_backward_weight(dw, nullptr, dy, x, p);
    return;
  }
  if (algo == kConvDepthwise) return depthwise_conv2d_backward_weight(dw, dy, x, p);
  if (algo == kConvWinograd) return winograd_conv2d_backward_weight(dw, dy, x, p);
  // Images are split into chunks, each accumulating into its own partial sum.
  // (the narrow path sums the bias gradient beside the weights': [wsz + OC] per chunk)
  const int64_t chunks = split_outer(p.N) ? std::min<int64_t>(p.N, current_num_threads()) : 1;
  const bool direct = algo == kConvGemm1x1, narrow_bias = narrow && dbias;
  const int64_t stride = wsz + (narrow_bias ? p.OC : 0);
  std::vector<float> partial(size_t((chunks - 1) * stride), 0.0f);
  std::fill(dw, dw + wsz, 0.0f);
  if (narrow_bias) std::fill(dbias, dbias + p.OC, 0.0f);
  const int64_t nb = algo == kConvImplicit ? 1 : images_per_block(p);
  std::unique_ptr<ShiftedTaps> taps(algo == kConvImplicit ? new ShiftedTaps(p) : nullptr);
  const int64_t Cg = p.C / p.groups, OCg = p.OC / p.groups, Kg = Cg * p.KH * p.KW;
  auto run_chunk = [&](int64_t k) {
    float* acc = k == 0 ? dw : partial.data() + (k - 1) * stride;
    float* accb = !narrow_bias ? nullptr : k == 0 ? dbias : acc + wsz;
    const int64_t end = (k + 1) * p.N / chunks;
    if (narrow) {
      const int64_t per = OCg * Kg + OCg;  // one group's weight and bias sums
      std::vector<float> vacc(size_t(p.groups * per * kVecWidth), 0.0f);
      for (int64_t n = k * p.N / chunks; n < end; ++n)
        for (int64_t g = 0; g < p.groups; ++g)
          narrow_backward_weight_one(vacc.data() + g * per * kVecWidth, accb != nullptr, dy + (n * p.OC + g * OCg) * OHW,
                                     x + (n * p.C + g * Cg) * p.H * p.W, p);
      for (int64_t g = 0; g < p.groups; ++g) {
        narrow_reduce(acc + g * OCg * Kg, vacc.data() + g * per * kVecWidth, OCg * Kg);
        if (accb) narrow_reduce(accb + g * OCg, vacc.data() + (g * per + OCg * Kg) * kVecWidth, OCg);
      }
      return;
    }
    for (int64_t n = k * p.N / chunks; n < end; n += nb) {
      if (!taps) {
        gemm_backward_weight_block(acc, dy, x, p, direct, n, std::min(nb, end - n));
        continue;
      }
      for (int64_t g = 0; g < p.groups; ++g)
        implicit_backward_weight_one(acc + g * OCg * Kg, dy + (n * p.OC + g * OCg) * OHW,
                                     x + (n * p.C + g * Cg) * p.H * p.W, *taps);
    }
  };
  if (chunks > 1) parallel_for(chunks, 1, [&](int64_t b, int64_t e) { for (int64_t k = b; k < e; ++k) run_chunk(k); });
  else run_chunk(0);
  for (int64_t k = 1; k < chunks; ++k) {
    const float* src = partial.data() + (k - 1) * stride;
    for (int64_t i = 0; i < wsz; ++i) dw[i] += src[i];
    for (int64_t i = 0; narrow_bias && i < p.OC; ++i) dbias[i] += src[wsz + i];
  }
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
