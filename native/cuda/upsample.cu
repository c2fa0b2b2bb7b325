// Nearest and bilinear 2-D upsampling on NCHW (cpu/upsample.h's formulas): one thread per
// output element forward; backward zeroes dx and scatters each dy with atomics.
#include <cmath>

#include "cuda/common.cuh"

namespace tf {
namespace cuda {

namespace {

__device__ __forceinline__ int64_t nearest_src(int64_t o, float scale, int64_t in) {
  const int64_t i = int64_t(floorf(float(o) * scale));
  return i < in - 1 ? i : in - 1;
}

// Taps i0 <= i1 and the weight l1 of i1 (l0 = 1 - l1) along one axis.
__device__ __forceinline__ void linear_src(int64_t o, float scale, int64_t in, bool align, int64_t* i0, int64_t* i1,
                                           float* l1) {
  const float src = align ? scale * float(o) : fmaxf(scale * (float(o) + 0.5f) - 0.5f, 0.0f);
  const int64_t a = int64_t(floorf(src));
  *i0 = a < in - 1 ? a : in - 1;
  *i1 = *i0 + 1 < in - 1 ? *i0 + 1 : in - 1;
  *l1 = fminf(fmaxf(src - float(*i0), 0.0f), 1.0f);
}

// The four input offsets (within the plane: h0w0, h0w1, h1w0, h1w1) and weights of output i.
struct Bilinear {
  int64_t plane, off[4];
  float wt[4];
};

__device__ __forceinline__ Bilinear bilinear_taps(int64_t i, int64_t H, int64_t W, int64_t OH, int64_t OW, float sh,
                                                  float sw, bool align) {
  const int64_t ow = i % OW, oh = (i / OW) % OH;
  int64_t h0, h1, w0, w1;
  float lh, lw;
  linear_src(oh, sh, H, align, &h0, &h1, &lh);
  linear_src(ow, sw, W, align, &w0, &w1, &lw);
  return Bilinear{i / (OW * OH) * H * W,
                  {h0 * W + w0, h0 * W + w1, h1 * W + w0, h1 * W + w1},
                  {(1.0f - lh) * (1.0f - lw), (1.0f - lh) * lw, lh * (1.0f - lw), lh * lw}};
}

// Offset of output i's nearest input in x [NC, H, W].
__device__ __forceinline__ int64_t nearest_offset(int64_t i, int64_t H, int64_t W, int64_t OH, int64_t OW, float sh,
                                                  float sw) {
  const int64_t ow = i % OW, oh = (i / OW) % OH, p = i / (OW * OH);
  return (p * H + nearest_src(oh, sh, H)) * W + nearest_src(ow, sw, W);
}

__global__ void nearest_fwd(float* y, const float* x, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                            float sh, float sw) {
  CUDA_KERNEL_LOOP(i, NC * OH * OW) y[i] = x[nearest_offset(i, H, W, OH, OW, sh, sw)];
}

__global__ void nearest_bwd(float* dx, const float* dy, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                            float sh, float sw) {
  CUDA_KERNEL_LOOP(i, NC * OH * OW) atomicAdd(dx + nearest_offset(i, H, W, OH, OW, sh, sw), dy[i]);
}

__global__ void bilinear_fwd(float* y, const float* x, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                             float sh, float sw, bool align) {
  CUDA_KERNEL_LOOP(i, NC * OH * OW) {
    const Bilinear t = bilinear_taps(i, H, W, OH, OW, sh, sw, align);
    const float* xp = x + t.plane;
    y[i] = t.wt[0] * xp[t.off[0]] + t.wt[1] * xp[t.off[1]] + t.wt[2] * xp[t.off[2]] + t.wt[3] * xp[t.off[3]];
  }
}

__global__ void bilinear_bwd(float* dx, const float* dy, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                             float sh, float sw, bool align) {
  CUDA_KERNEL_LOOP(i, NC * OH * OW) {
    const Bilinear t = bilinear_taps(i, H, W, OH, OW, sh, sw, align);
    for (int k = 0; k < 4; ++k) atomicAdd(dx + t.plane + t.off[k], t.wt[k] * dy[i]);
  }
}

}  // namespace

void upsample_nearest2d_forward(float* y, const float* x, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                float scale_h, float scale_w, Stream s) {
  const int64_t n = NC * OH * OW;
  if (n == 0) return;
  nearest_fwd<<<grid_for(n), kThreads, 0, s>>>(y, x, NC, H, W, OH, OW, scale_h, scale_w);
  CUDA_CHECK_LAUNCH();
}

void upsample_nearest2d_backward(float* dx, const float* dy, int64_t NC, int64_t H, int64_t W, int64_t OH,
                                 int64_t OW, float scale_h, float scale_w, Stream s) {
  const int64_t n = NC * OH * OW;
  if (NC * H * W > 0) CUDA_CHECK(cudaMemsetAsync(dx, 0, size_t(NC * H * W) * sizeof(float), s));
  if (n == 0) return;
  nearest_bwd<<<grid_for(n), kThreads, 0, s>>>(dx, dy, NC, H, W, OH, OW, scale_h, scale_w);
  CUDA_CHECK_LAUNCH();
}

void upsample_bilinear2d_forward(float* y, const float* x, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                 float scale_h, float scale_w, bool align_corners, Stream s) {
  const int64_t n = NC * OH * OW;
  if (n == 0) return;
  bilinear_fwd<<<grid_for(n), kThreads, 0, s>>>(y, x, NC, H, W, OH, OW, scale_h, scale_w, align_corners);
  CUDA_CHECK_LAUNCH();
}

void upsample_bilinear2d_backward(float* dx, const float* dy, int64_t NC, int64_t H, int64_t W, int64_t OH,
                                  int64_t OW, float scale_h, float scale_w, bool align_corners, Stream s) {
  const int64_t n = NC * OH * OW;
  if (NC * H * W > 0) CUDA_CHECK(cudaMemsetAsync(dx, 0, size_t(NC * H * W) * sizeof(float), s));
  if (n == 0) return;
  bilinear_bwd<<<grid_for(n), kThreads, 0, s>>>(dx, dy, NC, H, W, OH, OW, scale_h, scale_w, align_corners);
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace tf
