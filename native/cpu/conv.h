// 2-D convolution (conv1d is the H = 1 case) and its transpose, float32, NCHW, contiguous.
//
// One geometry struct describes a convolution x[N, C, H, W] * w[OC, C/groups, KH, KW] ->
// y[N, OC, OH, OW], with input position ih = oh*stride_h - pad_h + kh*dil_h (likewise iw);
// positions outside [0, H) x [0, W) read as zero. Kernels never assume the usual output-size
// formula, so the transposed convolution (whose output size has output_padding) maps onto
// the same struct with the roles of x and y swapped:
//   conv_transpose2d(x_t[N, Cin, Hin, Win], w[Cin, Cout/groups, KH, KW]) -> y_t[N, Cout, Hout, Wout]
//   is conv2d_backward_input with dy = x_t, dx = y_t, and Conv2dParams
//   {C = Cout, H = Hout, W = Wout, OC = Cin, OH = Hin, OW = Win}.
#pragma once
#include <cstdint>

#include "tensorforge/params.h"
#include "tensorforge/view.h"

namespace tf {
namespace cpu {

using ::tf::Conv2dParams;  // tensorforge/params.h

// NOTE: codes shared with lib/ops/conv.ts (ConvAlgo); change both together.
enum ConvAlgo : int32_t {
  kConvAuto = -1,
  kConvGemm1x1 = 0,    // 1x1, stride 1, no padding: y_g = w_g @ x_g, one GEMM per image/group
  kConvIm2col = 1,     // column tiles of im2col(x) (thread-local buffer) + GEMM
  kConvDepthwise = 2,  // direct loops when every group has one input channel
  kConvRef = 3,        // the naive reference (native/cpu/ref/conv_ref.cpp), float64 accumulators
  kConvImplicit = 4,   // implicit GEMM: forward and weight gradient pack GEMM panels straight
                       // from the image (no im2col buffer); stride 1 and OW == W only
  kConvWinograd = 5,   // Winograd F(2x2, 3x3) (conv_winograd.cpp): 3x3, unit stride and dilation;
                       // forward, input gradient (as a transposed convolution) and weight gradient
  kNumConvAlgos
};

// NOTE: codes of Conv2dParams::precision; the binding sets them (lib/ops/conv.ts passes 0 or 1
// and the binding picks AMX where bf16_uses_amx says so).
enum ConvPrecision : int32_t {
  kConvF32 = 0,
  kConvBf16 = 1,     // bf16 operands, fp32 accumulation: the ISA's sbgemm (gemm.h)
  kConvBf16Amx = 2,  // the same function on AMX tiles: avx512::sbgemm_amx
};

// Below this many output pixels per image the im2col path puts several images side by side
// in one GEMM (a single image's GEMM would be too skinny); at or above, one image per GEMM.
constexpr int64_t kConvBatchBelow = 256;

// True if `algo` can compute convolutions of this geometry.
inline bool conv2d_algo_supports(const Conv2dParams& p, int32_t algo) {
  // NOTE: bf16 (autocast) runs the GEMM paths only: their GEMM calls take the bf16 GEMM
  // instead of sgemm. Depthwise, Winograd, implicit GEMM and the reference stay fp32-only.
  if (p.precision != kConvF32 && algo != kConvGemm1x1 && algo != kConvIm2col) return false;
  switch (algo) {
    case kConvGemm1x1:
      return p.KH == 1 && p.KW == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_h == 0 &&
             p.pad_w == 0 && p.OH == p.H && p.OW == p.W;
    case kConvIm2col:
    case kConvRef: return true;
    case kConvDepthwise: return p.groups > 0 && p.C == p.groups;
    // Every tap row is then the input plane shifted by a constant (see conv.cpp).
    case kConvImplicit: return p.stride_h == 1 && p.stride_w == 1 && p.OW == p.W;
    case kConvWinograd:
      return p.KH == 3 && p.KW == 3 && p.stride_h == 1 && p.stride_w == 1 && p.dil_h == 1 && p.dil_w == 1 &&
             p.groups > 0 && p.C % p.groups == 0 && p.OC % p.groups == 0;
    default: return false;
  }
}

// The algorithm kConvAuto resolves to for this geometry.
inline int32_t conv2d_choose(const Conv2dParams& p) {
  if (conv2d_algo_supports(p, kConvGemm1x1)) return kConvGemm1x1;
  // NOTE: with one input channel per group a GEMM has K = KH*KW (tiny) and the groups
  // split it into many small calls; direct loops win. A single group (C = 1, e.g. a
  // grayscale first layer) still has a full OC-row GEMM, so it stays on im2col.
  if (p.groups > 1 && conv2d_algo_supports(p, kConvDepthwise)) return kConvDepthwise;
  // NOTE: Winograd against the faster of implicit GEMM and im2col, fwd+bwd (fwd alone),
  // batch 64, 3x3 padding 1, kernel thread-CPU time on one thread (2-thread wall times on
  // this shared 2-core machine were too noisy to rank, same direction; tools/dev/conv-bench.sh
  // algos C H OC 1, and tools/dev/bench_winograd.js for the 2-thread end-to-end figures):
  // 16x16x64->64 0.66 (0.67), 8x8x64->64 0.69 (0.77), 7x7x128->128 0.69 (0.67),
  // 32x32x32->32 0.76 (0.79), 16x16x32->32 0.72 (0.73), 16x16x64->16 0.82 (0.77),
  // 16x16x16->64 0.87 (1.07), 14x14x16->32 0.93 (1.10), 16x16x16->16 0.92 (1.06),
  // 14x14x256->256 0.57 (0.57), 7x7x512->512 0.58 (0.57); but 32x32x3->32 2.1 (2.3): with
  // few channels per group the O(C*HW) transforms and 16 skinny GEMMs outweigh the 2.25x
  // fewer multiplies. A 1-pixel-wide or -high output computes a whole 2x2 tile per pixel
  // (16 multiplies for 9 or 18 useful ones), so that stays on the GEMM paths.
  if (conv2d_algo_supports(p, kConvWinograd) && p.C / p.groups >= 16 && p.OC / p.groups >= 16 && p.OH >= 2 &&
      p.OW >= 2)
    return kConvWinograd;
  // NOTE: implicit GEMM against im2col, fwd+bwd, batch 64, 2 threads: 16x16x64->64 0.94,
  // 14x14x16->32 0.85, 10x10x32->32 0.83, 16x16x8->16 0.97; but 32x32x3->32 1.45,
  // 28x28x1->6 (5x5) 1.72, 7x7x32->64 1.64: with few input channels the per-tap packing
  // and the input gradient's transposed GEMM (only C rows) lose, and below ~64 output
  // pixels per image im2col's several-images-per-GEMM blocks win.
  if (conv2d_algo_supports(p, kConvImplicit) && p.C / p.groups >= 8 && p.OH * p.OW >= 64) return kConvImplicit;
  return kConvIm2col;
}

TF_DECL_ALL(
// y = act(conv(x, w) + bias). bias: [OC] or null; act: GemmAct (kActNone, kActRelu).
// x: [N, C, H, W]; w: [OC, C/groups, KH, KW]; y: [N, OC, OH, OW] (written, not read).
// algo: a ConvAlgo the geometry supports (the binding checks), or kConvAuto.
void conv2d_forward(float* y, const float* x, const float* w, const float* bias,
                    const Conv2dParams& p, int32_t act, int32_t algo))

TF_DECL_ALL(
// dx = d(loss)/dx. dy: [N, OC, OH, OW]; w: [OC, C/groups, KH, KW]; dx: [N, C, H, W]
// (overwritten).
void conv2d_backward_input(float* dx, const float* dy, const float* w, const Conv2dParams& p,
                           int32_t algo))

TF_DECL_ALL(
// dw = d(loss)/dw (overwritten) and, when dbias is non-null, dbias[OC] = sum of dy over
// N, OH, OW (overwritten). dy: [N, OC, OH, OW]; x: [N, C, H, W]; dw: [OC, C/groups, KH, KW].
void conv2d_backward_weight(float* dw, float* dbias, const float* dy, const float* x,
                            const Conv2dParams& p, int32_t algo))

// Winograd F(2x2, 3x3) forward (conv_winograd.cpp), what kConvWinograd runs; same contract as
// conv2d_forward for geometries conv2d_algo_supports(p, kConvWinograd) accepts.
TF_DECL_ALL(
void winograd_conv2d_forward(float* y, const float* x, const float* w, const float* bias,
                             const Conv2dParams& p, int32_t act))
TF_DECL_ALL(
// dw[OC, C/groups, 3, 3] (overwritten) = the weight gradient, computed as the adjoint of the
// forward's transforms: G^T [ sum over tiles of (A dy A^T) .* (B^T d B) ] G.
void winograd_conv2d_backward_weight(float* dw, const float* dy, const float* x, const Conv2dParams& p))

// Depthwise kernels (conv_direct.cpp), what kConvDepthwise runs; p.C == p.groups.
TF_DECL_ALL(
void depthwise_conv2d_forward(float* y, const float* x, const float* w, const float* bias,
                              const Conv2dParams& p, int32_t act))
TF_DECL_ALL(
void depthwise_conv2d_backward_input(float* dx, const float* dy, const float* w, const Conv2dParams& p))
TF_DECL_ALL(
// dw[OC, 1, KH, KW] (overwritten).
void depthwise_conv2d_backward_weight(float* dw, const float* dy, const float* x, const Conv2dParams& p))

TF_DECL_ALL(
// y[n, c, :] += bias[c] for t: [N, C, HW]; the transposed convolution's bias.
void channel_bias_add(float* t, const float* bias, int64_t N, int64_t C, int64_t HW))

TF_DECL_ALL(
// dbias[c] = sum over n, hw of dy[n, c, hw] (overwritten); dy: [N, C, HW].
void channel_sum(float* dbias, const float* dy, int64_t N, int64_t C, int64_t HW))

}  // namespace cpu
}  // namespace tf
