// 2-D pooling, float32, NCHW, contiguous: max (with int32 argmax indices), average
// (PyTorch's divisor rules) and adaptive average, forward and backward. The 1-D forms are
// the H = 1 case. Planes (n, c) are independent and split across the thread pool.
#pragma once
#include <cstdint>

#include "tensorforge/params.h"
#include "tensorforge/view.h"

namespace tf {
namespace cpu {

// Window (oh, ow) covers input rows ih = oh*stride_h - pad_h + kh*dil_h for kh in [0, KH)
// (likewise columns); taps outside the input are skipped (max) or counted as padding (avg).
// OH/OW come from the caller (floor or ceil mode); the kernels only need every window to
// hold at least one in-bounds tap, which PyTorch's pad <= kernel/2 rule guarantees.
using ::tf::Pool2dParams;  // tensorforge/params.h

TF_DECL_ALL(
// y = max over each window; idx = its position in the input plane (ih*W + iw), the last
// NaN if any (NaN propagates), else the first maximum. y, idx: [N, C, OH, OW]; x: [N, C, H, W].
void max_pool2d_forward(float* y, int32_t* idx, const float* x, const Pool2dParams& p))

TF_DECL_ALL(
// dx[N*C, HW] = 0, then dx[plane][idx] += dy for every output; idx outside [0, HW) is
// skipped. dy, idx: [N*C, OHW].
void max_pool2d_backward(float* dx, const float* dy, const int32_t* idx, int64_t NC,
                         int64_t HW, int64_t OHW))

TF_DECL_ALL(
// y = sum over each window / divisor, where divisor = divisor_override if > 0, else the
// window clipped to the padded input (count_include_pad) or to the input.
void avg_pool2d_forward(float* y, const float* x, const Pool2dParams& p))

TF_DECL_ALL(
// dx (overwritten) = each dy / divisor spread over its window.
void avg_pool2d_backward(float* dx, const float* dy, const Pool2dParams& p))

TF_DECL_ALL(
// Output (oh, ow) averages rows [floor(oh*H/OH), ceil((oh+1)*H/OH)) and likewise columns.
// x: [N*C, H, W]; y: [N*C, OH, OW].
void adaptive_avg_pool2d_forward(float* y, const float* x, int64_t NC, int64_t H, int64_t W,
                                 int64_t OH, int64_t OW))

TF_DECL_ALL(
// dx[N*C, H, W] (overwritten) from dy[N*C, OH, OW].
void adaptive_avg_pool2d_backward(float* dx, const float* dy, int64_t NC, int64_t H, int64_t W,
                                  int64_t OH, int64_t OW))

}  // namespace cpu
}  // namespace tf
