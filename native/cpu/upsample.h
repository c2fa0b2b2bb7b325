// 2-D upsampling (F.interpolate on NCHW), float32, contiguous: nearest (PyTorch's legacy
// 'nearest') and bilinear, forward and backward. Planes (n, c) are independent and split
// across the thread pool. The caller resolves the per-axis scales with PyTorch's rules
// (native/binding/upsample.cpp); the kernels only map output to source coordinates:
//   nearest:  src = min(floor(dst * scale), in - 1)                      (float arithmetic)
//   bilinear: src = scale * dst (align_corners), else max(scale * (dst + 0.5) - 0.5, 0);
//             taps i0 = min(floor(src), in - 1), i1 = min(i0 + 1, in - 1), weights
//             l1 = src - i0 (clamped to [0, 1]) and l0 = 1 - l1.
#pragma once
#include <cstdint>

#include "tensorforge/view.h"

namespace tf {
namespace cpu {

TF_DECL_ALL(
// y[NC, OH, OW] = x[NC, H, W] at the nearest source (src_h, src_w). H, W >= 1.
void upsample_nearest2d_forward(float* y, const float* x, int64_t NC, int64_t H, int64_t W,
                                int64_t OH, int64_t OW, float scale_h, float scale_w))

TF_DECL_ALL(
// dx[NC, H, W] (overwritten) = sum of dy[NC, OH, OW] over the outputs that read each input.
void upsample_nearest2d_backward(float* dx, const float* dy, int64_t NC, int64_t H, int64_t W,
                                 int64_t OH, int64_t OW, float scale_h, float scale_w))

TF_DECL_ALL(
// y[NC, OH, OW] = bilinear blend of the four taps of x[NC, H, W]. H, W >= 1.
void upsample_bilinear2d_forward(float* y, const float* x, int64_t NC, int64_t H, int64_t W,
                                 int64_t OH, int64_t OW, float scale_h, float scale_w,
                                 bool align_corners))

TF_DECL_ALL(
// dx[NC, H, W] (overwritten) = the adjoint of the forward applied to dy[NC, OH, OW].
void upsample_bilinear2d_backward(float* dx, const float* dy, int64_t NC, int64_t H, int64_t W,
                                  int64_t OH, int64_t OW, float scale_h, float scale_w,
                                  bool align_corners))

}  // namespace cpu
}  // namespace tf
