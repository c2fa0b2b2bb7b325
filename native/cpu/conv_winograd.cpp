// Winograd F(2x2, 3x3) convolution (Lavin & Gray 2015), what kConvWinograd runs: 3x3
// kernels, unit stride and dilation, any padding and groups. Each 2x2 output tile of a
// channel pair costs 16 multiplies instead of 36:
//   y_tile = A^T [ sum_c (G g G^T) .* (B^T d_tile B) ] A,   d_tile the 4x4 input patch.
// The 16 element-wise products summed over channels are 16 GEMMs [OCg x Cg] . [Cg x tiles]
// (sgemm_batched) per block of tiles; the transforms are O(C*HW) passes vectorized across
// the tiles of the block. The weight gradient is the same computation's adjoint:
//   dg = G^T [ sum_tiles (A dy_tile A^T) .* (B^T d_tile B) ] G,   16 GEMMs [OCg x tiles] . [tiles x Cg].
// The input gradient runs the forward (conv.cpp: the transposed convolution of a 3x3
// unit-stride convolution is again one).
#include <algorithm>
#include <vector>

#include "cpu/conv.h"
#include "cpu/gemm/gemm.h"
#include "cpu/scratch.h"
#include "cpu/simd.h"
#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

using namespace ::tf::TF_ISA;  // simd.h: vf, kVecWidth

namespace {

// NOTE: a block's transformed input V[16, Cg, T] and GEMM output M[16, OCg, T] together hold
// at most this many floats (512 KB), so the output transform reads M back from L2.
constexpr int64_t kBlockFloats = 128 * 1024;
// NOTE: ... but at least this many tiles: each block's 16 GEMMs read all of U[16, OCg, Cg]
// (from L3 once it outgrows L2), which only pays off with GEMMs this wide. 7x7x512->512,
// batch 64, fwd+bwd on one thread: 1034 ms with 4-tile blocks, 420 (64), 393 (128), 372 (256);
// 16x16x64->64: 31.0 (64), 29.1 (128), 33.3 (256); implicit GEMM 719 and 48.3.
constexpr int64_t kMinBlockTiles = 128;

// Per-thread scratch: slot 0 the padded input rows and their column transforms, 1 V, 2 M (or
// A dy A^T), 3 the output rows O[4, T] (or the dy tiles Q[4, T]).
struct WinogradScratch;
float* scratch(int slot, int64_t n) { return thread_scratch<WinogradScratch, 4>(slot, n); }

// Distance between the 16 planes of V and M: the plane size plus one cache line when it is a
// multiple of 4 KB, so that the transforms' 16 streams do not alias in L1 (4K aliasing).
inline int64_t plane_stride(int64_t n) { return n % 1024 == 0 ? n + 16 : n; }

// Loads/stores of a vector or of one float, so one transform body serves both.
inline vf ld(const float* p, vf) { return vload(p); }
inline float ld(const float* p, float) { return *p; }
inline void st(float* p, vf v) { vstore(p, v); }
inline void st(float* p, float v) { *p = v; }

// U[16, OCg, Cg] = G g G^T for every (oc, c) of one group; w: [OCg, Cg, 3, 3].
// G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1].
void transform_weights(float* U, const float* w, int64_t OCg, int64_t Cg) {
  const int64_t plane = OCg * Cg;
  for (int64_t oc = 0; oc < OCg; ++oc)
    for (int64_t c = 0; c < Cg; ++c) {
      const float* k = w + (oc * Cg + c) * 9;
      float t[4][3];
      for (int j = 0; j < 3; ++j) {
        t[0][j] = k[j];
        t[1][j] = 0.5f * (k[j] + k[3 + j] + k[6 + j]);
        t[2][j] = 0.5f * (k[j] - k[3 + j] + k[6 + j]);
        t[3][j] = k[6 + j];
      }
      float* u = U + oc * Cg + c;
      for (int i = 0; i < 4; ++i) {
        u[(4 * i + 0) * plane] = t[i][0];
        u[(4 * i + 1) * plane] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
        u[(4 * i + 2) * plane] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
        u[(4 * i + 3) * plane] = t[i][2];
      }
    }
}

// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], applied to columns, then to rows.
// Columns: h[4*i + k][t] = (d_i B)[k] for patch row i, from the padded input row P:
// d_i = P[2tw .. 2tw+4), taken as evens E = P[2tw + 2u] and odds O = P[2tw + 2u + 1].
inline vi lane_mask(int first) {
  vi m;
  for (int i = 0; i < kVecWidth; ++i) m[i] = first + 2 * i;
  return m;
}

// h[k*hs + tw] for tw in [0, TWv) (TWv a multiple of kVecWidth) from P[0, 2*TWv + 2*kVecWidth).
void row_transform(float* h, int64_t hs, const float* P, int64_t TWv) {
  const vi ev = lane_mask(0), od = lane_mask(1);
  for (int64_t tw = 0; tw < TWv; tw += kVecWidth) {
    const float* q = P + 2 * tw;
    const vf a = vload(q), b = vload(q + kVecWidth), c = vload(q + 2), d = vload(q + 2 + kVecWidth);
    const vf e0 = __builtin_shuffle(a, b, ev), o0 = __builtin_shuffle(a, b, od);  // P[2tw+2u], P[2tw+2u+1]
    const vf e1 = __builtin_shuffle(c, d, ev), o1 = __builtin_shuffle(c, d, od);  // P[2tw+2u+2], P[2tw+2u+3]
    vstore(h + 0 * hs + tw, e0 - e1);
    vstore(h + 1 * hs + tw, o0 + e1);
    vstore(h + 2 * hs + tw, e1 - o0);
    vstore(h + 3 * hs + tw, o0 - o1);
  }
}

// Rows: v[(4*i + k)*vs + t] = (B^T h_k)[i] for the column transforms h[(4*r + k)*hs + t] of patch rows r.
template <typename V>
inline void input_tile(float* v, int64_t vs, const float* h, int64_t hs, int64_t t) {
  for (int k = 0; k < 4; ++k) {
    const V a0 = ld(h + k * hs + t, V()), a1 = ld(h + (4 + k) * hs + t, V());
    const V a2 = ld(h + (8 + k) * hs + t, V()), a3 = ld(h + (12 + k) * hs + t, V());
    st(v + k * vs + t, a0 - a2);
    st(v + (4 + k) * vs + t, a1 + a2);
    st(v + (8 + k) * vs + t, a2 - a1);
    st(v + (12 + k) * vs + t, a1 - a3);
  }
}

// o[(2*i + j)*T + t] = act((A^T m A)[i][j] + bias) for m[e*ms + t]. A^T = [1 1 1 0; 0 1 -1 -1].
template <typename V>
inline void output_tile(float* o, int64_t T, const float* m, int64_t ms, int64_t t, float bias, bool relu) {
  V a[4][4], s[2][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) a[i][j] = ld(m + (4 * i + j) * ms + t, V());
  for (int j = 0; j < 4; ++j) {
    s[0][j] = a[0][j] + a[1][j] + a[2][j];
    s[1][j] = a[1][j] - a[2][j] - a[3][j];
  }
  const V zero = V() + 0.0f;
  for (int i = 0; i < 2; ++i) {
    V r0 = s[i][0] + s[i][1] + s[i][2] + bias, r1 = s[i][1] - s[i][2] - s[i][3] + bias;
    if (relu) r0 = r0 > zero ? r0 : zero, r1 = r1 > zero ? r1 : zero;
    st(o + (2 * i) * T + t, r0);
    st(o + (2 * i + 1) * T + t, r1);
  }
}

// d[0, n) = s[0, n); short rows, where a memmove call would cost more than the copy.
inline void copy_row(float* __restrict d, const float* __restrict s, int64_t n) {
  int64_t j = 0;
  for (; j + kVecWidth <= n; j += kVecWidth) vstore(d + j, vload(s + j));
  for (; j < n; ++j) d[j] = s[j];
}

// The tiles: TH x TW per image, tile (th, tw) writes output rows 2th, 2th+1 and columns
// 2tw, 2tw+1 (clipped to OH x OW) and reads input rows 2th - pad_h + [0, 4), columns
// 2tw - pad_w + [0, 4). A block is the tile rows [r0, r1) of the whole batch, tile row
// r = n*TH + th; its tiles are numbered t = (r - r0)*TW + tw, T in all.
struct Tiling {
  int64_t TH, TW;
  explicit Tiling(const Conv2dParams& p) : TH((p.OH + 1) / 2), TW((p.OW + 1) / 2) {}
};

// V[16, Cg, T] = B^T d B of every tile of the block, channels [g*Cg, (g+1)*Cg).
void transform_input(float* V, const float* x, const Conv2dParams& p, const Tiling& tl, int64_t g, int64_t r0,
                     int64_t r1) {
  const int64_t Cg = p.C / p.groups, TW = tl.TW, T = (r1 - r0) * TW, HW = p.H * p.W;
  const int64_t TWv = (TW + kVecWidth - 1) / kVecWidth * kVecWidth, hs = T + TWv;  // slack for the last row's lanes
  const int64_t Pn = 2 * TWv + 2 * kVecWidth;  // padded row P[j] = x[ih][j - pad_w], zero outside [0, W)
  const int64_t jlo = std::min(std::max<int64_t>(p.pad_w, 0), Pn), jhi = std::min(std::max(p.pad_w + p.W, jlo), Pn);
  // NOTE: two passes per channel, all padded rows first: a row transform reading a padded
  // row just written (unaligned loads straddling the copy's stores) stalls on store forwarding.
  const int64_t rows = 4 * (r1 - r0);
  float* D = scratch(0, 16 * hs + rows * Pn);
  float* P = D + 16 * hs;  // P[(4*(r - r0) + i)*Pn + j]; rows outside the image and the padding stay zero
  std::fill(P, P + rows * Pn, 0.0f);
  for (int64_t c = 0; c < Cg; ++c) {
    for (int64_t r = r0; r < r1 && jlo < jhi; ++r) {
      const int64_t n = r / tl.TH, th = r % tl.TH;
      const float* xc = x + (n * p.C + g * Cg + c) * HW + (jlo - p.pad_w);  // jlo - pad_w >= 0 when jlo < jhi
      for (int i = 0; i < 4; ++i) {
        const int64_t ih = 2 * th - p.pad_h + i;
        if (ih >= 0 && ih < p.H) copy_row(P + (4 * (r - r0) + i) * Pn + jlo, xc + ih * p.W, jhi - jlo);
      }
    }
    for (int64_t r = r0; r < r1; ++r)
      for (int i = 0; i < 4; ++i) row_transform(D + 4 * i * hs + (r - r0) * TW, hs, P + (4 * (r - r0) + i) * Pn, TWv);
    float* v = V + c * T;
    const int64_t vs = plane_stride(Cg * T);
    int64_t t = 0;
    for (; t + kVecWidth <= T; t += kVecWidth) input_tile<vf>(v, vs, D, hs, t);
    for (; t < T; ++t) input_tile<float>(v, vs, D, hs, t);
  }
}

// y (output channels [g*OCg, (g+1)*OCg)) = act(A^T m A + bias) of every tile of the block; M[16, OCg, T].
void transform_output(float* y, const float* M, const float* bias, const Conv2dParams& p, const Tiling& tl,
                      int64_t g, int64_t r0, int64_t r1, bool relu) {
  const int64_t OCg = p.OC / p.groups, TW = tl.TW, T = (r1 - r0) * TW, OHW = p.OH * p.OW, ms = plane_stride(OCg * T);
  float* O = scratch(3, 4 * T);
  for (int64_t oc = 0; oc < OCg; ++oc) {
    const float b = bias ? bias[g * OCg + oc] : 0.0f;
    const float* m = M + oc * T;
    int64_t t = 0;
    for (; t + kVecWidth <= T; t += kVecWidth) output_tile<vf>(O, T, m, ms, t, b, relu);
    for (; t < T; ++t) output_tile<float>(O, T, m, ms, t, b, relu);
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / tl.TH, th = r % tl.TH, base = (r - r0) * TW;
      float* yc = y + (n * p.OC + g * OCg + oc) * OHW;
      for (int i = 0; i < 2 && 2 * th + i < p.OH; ++i) {
        float* __restrict yr = yc + (2 * th + i) * p.OW;
        const float* e0 = O + (2 * i) * T + base;
        const float* e1 = O + (2 * i + 1) * T + base;
        const int64_t full = p.OW / 2;
        for (int64_t tw = 0; tw < full; ++tw) yr[2 * tw] = e0[tw], yr[2 * tw + 1] = e1[tw];
        if (p.OW % 2) yr[p.OW - 1] = e0[TW - 1];
      }
    }
  }
}

// dW[OCg, Cg, 3, 3] = G^T X G for X = Mw[16, OCg, Cg] (the weight transform's adjoint).
// G^T = [1 1/2 1/2 0; 0 1/2 -1/2 0; 0 1/2 1/2 1].
void transform_weights_adjoint(float* dw, const float* Mw, int64_t OCg, int64_t Cg) {
  const int64_t plane = OCg * Cg;
  for (int64_t oc = 0; oc < OCg; ++oc)
    for (int64_t c = 0; c < Cg; ++c) {
      const float* m = Mw + oc * Cg + c;
      float z[3][4];
      for (int j = 0; j < 4; ++j) {
        const float x0 = m[j * plane], x1 = m[(4 + j) * plane], x2 = m[(8 + j) * plane], x3 = m[(12 + j) * plane];
        z[0][j] = x0 + 0.5f * (x1 + x2);
        z[1][j] = 0.5f * (x1 - x2);
        z[2][j] = 0.5f * (x1 + x2) + x3;
      }
      float* k = dw + (oc * Cg + c) * 9;
      for (int i = 0; i < 3; ++i) {
        k[3 * i + 0] = z[i][0] + 0.5f * (z[i][1] + z[i][2]);
        k[3 * i + 1] = 0.5f * (z[i][1] - z[i][2]);
        k[3 * i + 2] = 0.5f * (z[i][1] + z[i][2]) + z[i][3];
      }
    }
}

// m[e*ms + t] = (A dy A^T)[e] (the output transform's adjoint) for the 2x2 tiles q[(2*a + b)*T + t].
// A = [1 0; 1 1; 1 -1; 0 -1].
template <typename V>
inline void grad_output_tile(float* m, int64_t ms, const float* q, int64_t T, int64_t t) {
  const V d00 = ld(q + t, V()), d01 = ld(q + T + t, V()), d10 = ld(q + 2 * T + t, V()), d11 = ld(q + 3 * T + t, V());
  const V r[4][2] = {{d00, d01}, {d00 + d10, d01 + d11}, {d00 - d10, d01 - d11}, {-d10, -d11}};
  for (int i = 0; i < 4; ++i) {
    st(m + (4 * i + 0) * ms + t, r[i][0]);
    st(m + (4 * i + 1) * ms + t, r[i][0] + r[i][1]);
    st(m + (4 * i + 2) * ms + t, r[i][0] - r[i][1]);
    st(m + (4 * i + 3) * ms + t, -r[i][1]);
  }
}

// Mdy[16, OCg, T] = A dy A^T of every tile of the block (output channels of group g; dy
// outside OH x OW reads as zero).
void transform_grad_output(float* Mdy, int64_t ms, const float* dy, const Conv2dParams& p, const Tiling& tl,
                           int64_t g, int64_t r0, int64_t r1) {
  const int64_t OCg = p.OC / p.groups, TW = tl.TW, T = (r1 - r0) * TW, OHW = p.OH * p.OW, half = p.OW / 2;
  float* Q = scratch(3, 4 * T);  // Q[(2*a + b)*T + t] = dy[2th + a][2tw + b]
  for (int64_t oc = 0; oc < OCg; ++oc) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / tl.TH, th = r % tl.TH, base = (r - r0) * TW;
      const float* dyc = dy + (n * p.OC + g * OCg + oc) * OHW;
      for (int a = 0; a < 2; ++a) {
        float* __restrict e = Q + 2 * a * T + base;
        float* __restrict o = e + T;
        if (2 * th + a >= p.OH) {
          std::fill(e, e + TW, 0.0f);
          std::fill(o, o + TW, 0.0f);
          continue;
        }
        const float* row = dyc + (2 * th + a) * p.OW;
        for (int64_t tw = 0; tw < half; ++tw) e[tw] = row[2 * tw], o[tw] = row[2 * tw + 1];
        if (p.OW % 2) e[TW - 1] = row[p.OW - 1], o[TW - 1] = 0.0f;
      }
    }
    float* m = Mdy + oc * T;
    int64_t t = 0;
    for (; t + kVecWidth <= T; t += kVecWidth) grad_output_tile<vf>(m, ms, Q, T, t);
    for (; t < T; ++t) grad_output_tile<float>(m, ms, Q, T, t);
  }
}

// Tile rows per block for a transformed-domain width of `chans` floats per tile and plane:
// fill kBlockFloats, then shrink so that every thread gets whole blocks of every group.
int64_t rows_per_block(const Conv2dParams& p, const Tiling& tl, int64_t chans) {
  const int64_t rows = p.N * tl.TH, threads = current_num_threads(), G = p.groups;
  int64_t rb = std::max<int64_t>(1, kBlockFloats / (16 * std::max<int64_t>(1, chans) * tl.TW));
  rb = std::max(rb, (kMinBlockTiles + tl.TW - 1) / tl.TW);
  int64_t blocks = (rows + rb - 1) / rb;
  if (threads > 1 && blocks * G < 4 * threads) blocks = std::max(blocks, (4 * threads + G - 1) / G);
  blocks = std::min(rows, (blocks + threads - 1) / threads * threads);
  return (rows + blocks - 1) / blocks;
}

}  // namespace

void winograd_conv2d_forward(float* y, const float* x, const float* w, const float* bias,
                             const Conv2dParams& p, int32_t act) {
  const int64_t G = p.groups, Cg = p.C / G, OCg = p.OC / G;
  if (p.N == 0 || p.OH == 0 || p.OW == 0 || p.OC == 0) return;
  const Tiling tl(p);
  std::vector<float> U(size_t(16 * p.OC * Cg));  // [G, 16, OCg, Cg]
  for (int64_t g = 0; g < G; ++g) transform_weights(U.data() + g * 16 * OCg * Cg, w + g * OCg * Cg * 9, OCg, Cg);
  const int64_t rows = p.N * tl.TH, threads = current_num_threads();
  const int64_t rb = rows_per_block(p, tl, Cg + OCg), blocks = (rows + rb - 1) / rb;
  auto run = [&](int64_t i) {
    const int64_t g = i % G, r0 = (i / G) * rb, r1 = std::min(rows, r0 + rb), T = (r1 - r0) * tl.TW;
    const int64_t vs = plane_stride(Cg * T), ms = plane_stride(OCg * T);
    float* V = scratch(1, 16 * vs);
    float* M = scratch(2, 16 * ms);
    transform_input(V, x, p, tl, g, r0, r1);
    sgemm_batched(16, false, false, OCg, T, Cg, 1.0f, U.data() + g * 16 * OCg * Cg, Cg, OCg * Cg, V, T, vs, 0.0f, M, T, ms,
                  nullptr);
    transform_output(y, M, bias, p, tl, g, r0, r1, act == kActRelu);
  };
  const int64_t items = blocks * G;
  if (threads > 1 && items >= threads)
    parallel_for(items, 1, [&](int64_t b, int64_t e) { for (int64_t i = b; i < e; ++i) run(i); });
  else
    for (int64_t i = 0; i < items; ++i) run(i);  // each GEMM threads itself
}

void winograd_conv2d_backward_weight(float* dw, const float* dy, const float* x, const Conv2dParams& p) {
  const int64_t G = p.groups, Cg = p.C / G, OCg = p.OC / G, wsz = 16 * p.OC * Cg;  // Mw: [G, 16, OCg, Cg]
  std::fill(dw, dw + p.OC * Cg * 9, 0.0f);
  if (p.N == 0 || p.OH == 0 || p.OW == 0 || p.OC == 0 || Cg == 0) return;
  const Tiling tl(p);
  const int64_t rows = p.N * tl.TH, rb = rows_per_block(p, tl, Cg + OCg), blocks = (rows + rb - 1) / rb;
  const int64_t items = blocks * G, threads = current_num_threads();
  // Each chunk of items sums into its own transformed-domain accumulator; they are added at the end.
  const int64_t chunks = threads > 1 && items >= threads ? threads : 1;
  std::vector<float> acc(size_t(chunks * wsz), 0.0f);
  auto run_chunk = [&](int64_t k) {
    float* Mw = acc.data() + k * wsz;
    for (int64_t i = k * items / chunks; i < (k + 1) * items / chunks; ++i) {
      const int64_t g = i % G, r0 = (i / G) * rb, r1 = std::min(rows, r0 + rb), T = (r1 - r0) * tl.TW;
      const int64_t vs = plane_stride(Cg * T), ms = plane_stride(OCg * T);
      float* V = scratch(1, 16 * vs);
      float* Mdy = scratch(2, 16 * ms);
      transform_input(V, x, p, tl, g, r0, r1);
      transform_grad_output(Mdy, ms, dy, p, tl, g, r0, r1);
      // Mw[e] += Mdy[e] . V[e]^T: [OCg, T] . [T, Cg]
      sgemm_batched(16, false, true, OCg, Cg, T, 1.0f, Mdy, T, ms, V, T, vs, 1.0f, Mw + g * 16 * OCg * Cg, Cg,
                    OCg * Cg, nullptr);
    }
  };
  if (chunks > 1) parallel_for(chunks, 1, [&](int64_t b, int64_t e) { for (int64_t k = b; k < e; ++k) run_chunk(k); });
  else run_chunk(0);
  for (int64_t k = 1; k < chunks; ++k)
    for (int64_t j = 0; j < wsz; ++j) acc[size_t(j)] += acc[size_t(k * wsz + j)];
  for (int64_t g = 0; g < G; ++g) transform_weights_adjoint(dw + g * OCg * Cg * 9, acc.data() + g * 16 * OCg * Cg, OCg, Cg);
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
