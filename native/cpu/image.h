// Image transforms on NCHW float32 batches (data augmentation). Per-sample random
// parameters are drawn by the caller (lib/data/transforms.ts, from the global Philox
// generator) and passed in as small arrays, so the kernels are deterministic.
#pragma once
#include "tensorforge/view.h"

namespace tf {
namespace cpu {

TF_DECL_ALL(
// y, x: [N, C, H, W] contiguous (y may be x). mean, std: [C]. y = (x - mean[c]) / std[c].
void image_normalize_forward(float* y, const float* x, const double* mean, const double* std,
                             int64_t N, int64_t C, int64_t HW))

TF_DECL_ALL(
// y, x: [N, C, H, W] contiguous, distinct. flip: [N], sample n is mirrored when flip[n] != 0,
// left-right when horizontal, else top-bottom; other samples are copied.
void image_flip_forward(float* y, const float* x, const float* flip, int64_t N, int64_t C,
                        int64_t H, int64_t W, bool horizontal))

TF_DECL_ALL(
// y, x: [N, C, H, W] contiguous, distinct. params: [N, 5] per sample
// {angle (radians, counter-clockwise), tx, ty (pixels), scale, shear (radians, along x)}.
// Output pixel p reads x at M^-1 (p - c - t) + c, c = ((W-1)/2, (H-1)/2),
// M = scale * R(angle) * Shear, by bilinear interpolation; neighbours outside the image
// count as `fill`.
void image_affine_forward(float* y, const float* x, const float* params, int64_t N, int64_t C,
                          int64_t H, int64_t W, float fill))

TF_DECL_ALL(
// y: [N, C, OH, OW], x: [N, C, H, W] contiguous. offsets: [N, 2] int32 {top, left} into x
// padded by `pad` on every side with `fill`: y[n,c,i,j] = xpad[n,c,top+i,left+j].
void image_crop_forward(float* y, const float* x, const int32_t* offsets, int64_t N, int64_t C,
                        int64_t H, int64_t W, int64_t OH, int64_t OW, int64_t pad, float fill))

}  // namespace cpu
}  // namespace tf
