// Naive reference kernels for convolution, pooling and normalization: the kConvRef fallback
// and the baseline of tools/dev/conv-bench.sh. Straight loops in
// the mathematical definition's order, float64 accumulators; never fast, always obvious.
#pragma once
#include <cstdint>

#include "cpu/conv.h"

namespace tf {
namespace cpu {
namespace ref {

// y = conv(x, w) + bias (bias may be null). Shapes as in cpu/conv.h.
void conv2d_forward(float* y, const float* x, const float* w, const float* bias,
                    const Conv2dParams& p);
// dx[N, C, H, W] (overwritten) from dy[N, OC, OH, OW] and w.
void conv2d_backward_input(float* dx, const float* dy, const float* w, const Conv2dParams& p);
// dw[OC, C/groups, KH, KW] (overwritten) and dbias[OC] (if non-null) from dy and x.
void conv2d_backward_weight(float* dw, float* dbias, const float* dy, const float* x,
                            const Conv2dParams& p);

// y[N, C, OH, OW] = max over each window of x[N, C, H, W] (padding is -inf); idx = argmax
// as ih*W + iw. Windows as in cpu/pool.h.
void max_pool2d_forward(float* y, int32_t* idx, const float* x, int64_t N, int64_t C,
                        int64_t H, int64_t W, int64_t OH, int64_t OW, int64_t KH, int64_t KW,
                        int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw);

// y = the mean of each window, PyTorch's divisor rules (see cpu/pool.h).
void avg_pool2d_forward(float* y, const float* x, int64_t N, int64_t C, int64_t H, int64_t W,
                        int64_t OH, int64_t OW, int64_t KH, int64_t KW, int64_t sh, int64_t sw,
                        int64_t ph, int64_t pw, bool count_include_pad, int64_t divisor_override);

}  // namespace ref
}  // namespace cpu
}  // namespace tf
