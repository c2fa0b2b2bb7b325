// 2-D pooling over NCHW planes, forward and backward; one thread per output element
// (forward, avg backward) or per output with atomic scatter (max / adaptive backward).
#include <cmath>

#include "cuda/common.cuh"

namespace tf {
namespace cuda {

namespace {

__global__ void max_pool_fwd(float* y, int32_t* idx, const float* x, Pool2dParams p) {
  const int64_t total = p.N * p.C * p.OH * p.OW;
  CUDA_KERNEL_LOOP(i, total) {
    const int64_t ow = i % p.OW, oh = (i / p.OW) % p.OH, plane = i / (p.OW * p.OH);
    const float* xp = x + plane * p.H * p.W;
    const int64_t h0 = oh * p.stride_h - p.pad_h, w0 = ow * p.stride_w - p.pad_w;
    float best = -INFINITY;
    int64_t bi = -1;
    for (int64_t kh = 0; kh < p.KH; ++kh) {
      const int64_t h = h0 + kh * p.dil_h;
      if (h < 0 || h >= p.H) continue;
      for (int64_t kw = 0; kw < p.KW; ++kw) {
        const int64_t w = w0 + kw * p.dil_w;
        if (w < 0 || w >= p.W) continue;
        const float v = xp[h * p.W + w];
        if (bi < 0 || v > best || v != v) {  // NaN propagates (first NaN wins)
          best = v;
          bi = h * p.W + w;
          if (v != v) { kh = p.KH; break; }
        }
      }
    }
    y[i] = best;
    idx[i] = int32_t(bi);
  }
}

__global__ void max_pool_bwd(float* dx, const float* dy, const int32_t* idx, Pool2dParams p) {
  const int64_t total = p.N * p.C * p.OH * p.OW;
  CUDA_KERNEL_LOOP(i, total) {
    const int64_t plane = i / (p.OW * p.OH);
    const int32_t k = idx[i];
    if (k >= 0 && int64_t(k) < p.H * p.W) atomicAdd(dx + plane * p.H * p.W + k, dy[i]);
  }
}

// PyTorch's divisor: the window clipped to the padded image, or only its in-image part.
__device__ __forceinline__ float avg_divisor(const Pool2dParams& p, int64_t oh, int64_t ow) {
  if (p.divisor_override > 0) return float(p.divisor_override);
  int64_t hs = oh * p.stride_h - p.pad_h, ws = ow * p.stride_w - p.pad_w;
  int64_t he = min(hs + p.KH, p.H + p.pad_h), we = min(ws + p.KW, p.W + p.pad_w);
  const int64_t pool = (he - hs) * (we - ws);
  if (p.count_include_pad) return float(pool);
  hs = max(hs, int64_t(0));
  ws = max(ws, int64_t(0));
  he = min(he, p.H);
  we = min(we, p.W);
  return float((he - hs) * (we - ws));
}

__global__ void avg_pool_fwd(float* y, const float* x, Pool2dParams p) {
  const int64_t total = p.N * p.C * p.OH * p.OW;
  CUDA_KERNEL_LOOP(i, total) {
    const int64_t ow = i % p.OW, oh = (i / p.OW) % p.OH, plane = i / (p.OW * p.OH);
    const float* xp = x + plane * p.H * p.W;
    const int64_t h0 = oh * p.stride_h - p.pad_h, w0 = ow * p.stride_w - p.pad_w;
    float acc = 0.0f;
    for (int64_t h = max(h0, int64_t(0)); h < min(h0 + p.KH, p.H); ++h)
      for (int64_t w = max(w0, int64_t(0)); w < min(w0 + p.KW, p.W); ++w) acc += xp[h * p.W + w];
    y[i] = acc / avg_divisor(p, oh, ow);
  }
}

__global__ void avg_pool_bwd(float* dx, const float* dy, Pool2dParams p) {
  const int64_t total = p.N * p.C * p.H * p.W;
  CUDA_KERNEL_LOOP(i, total) {
    const int64_t w = i % p.W, h = (i / p.W) % p.H, plane = i / (p.W * p.H);
    const float* g = dy + plane * p.OH * p.OW;
    // Outputs whose window [o*s - pad, o*s - pad + K) contains h.
    const int64_t oh0 = h + p.pad_h < p.KH ? 0 : (h + p.pad_h - p.KH) / p.stride_h + 1;
    const int64_t oh1 = min((h + p.pad_h) / p.stride_h + 1, p.OH);
    const int64_t ow0 = w + p.pad_w < p.KW ? 0 : (w + p.pad_w - p.KW) / p.stride_w + 1;
    const int64_t ow1 = min((w + p.pad_w) / p.stride_w + 1, p.OW);
    float acc = 0.0f;
    for (int64_t oh = oh0; oh < oh1; ++oh)
      for (int64_t ow = ow0; ow < ow1; ++ow) acc += g[oh * p.OW + ow] / avg_divisor(p, oh, ow);
    dx[i] = acc;
  }
}

__device__ __forceinline__ int64_t bin_start(int64_t o, int64_t in, int64_t out) { return (o * in) / out; }
__device__ __forceinline__ int64_t bin_end(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }

__global__ void adaptive_avg_fwd(float* y, const float* x, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  const int64_t total = NC * OH * OW;
  CUDA_KERNEL_LOOP(i, total) {
    const int64_t ow = i % OW, oh = (i / OW) % OH, plane = i / (OW * OH);
    const int64_t hs = bin_start(oh, H, OH), he = bin_end(oh, H, OH), ws = bin_start(ow, W, OW), we = bin_end(ow, W, OW);
    const float* xp = x + plane * H * W;
    float acc = 0.0f;
    for (int64_t h = hs; h < he; ++h)
      for (int64_t w = ws; w < we; ++w) acc += xp[h * W + w];
    y[i] = acc / float((he - hs) * (we - ws));
  }
}

__global__ void adaptive_avg_bwd(float* dx, const float* dy, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  const int64_t total = NC * OH * OW;
  CUDA_KERNEL_LOOP(i, total) {
    const int64_t ow = i % OW, oh = (i / OW) % OH, plane = i / (OW * OH);
    const int64_t hs = bin_start(oh, H, OH), he = bin_end(oh, H, OH), ws = bin_start(ow, W, OW), we = bin_end(ow, W, OW);
    const float g = dy[i] / float((he - hs) * (we - ws));
    float* xp = dx + plane * H * W;
    for (int64_t h = hs; h < he; ++h)
      for (int64_t w = ws; w < we; ++w) atomicAdd(xp + h * W + w, g);
  }
}

}  // namespace

void max_pool2d_forward(float* y, int32_t* idx, const float* x, const Pool2dParams& p, Stream s) {
  const int64_t n = p.N * p.C * p.OH * p.OW;
  if (n == 0) return;
  max_pool_fwd<<<grid_for(n), kThreads, 0, s>>>(y, idx, x, p);
  CUDA_CHECK_LAUNCH();
}

void max_pool2d_backward(float* dx, const float* dy, const int32_t* idx, const Pool2dParams& p, Stream s) {
  const int64_t nin = p.N * p.C * p.H * p.W, n = p.N * p.C * p.OH * p.OW;
  if (nin == 0) return;
  CUDA_CHECK(cudaMemsetAsync(dx, 0, size_t(nin) * sizeof(float), s));
  if (n == 0) return;
  max_pool_bwd<<<grid_for(n), kThreads, 0, s>>>(dx, dy, idx, p);
  CUDA_CHECK_LAUNCH();
}

void avg_pool2d_forward(float* y, const float* x, const Pool2dParams& p, Stream s) {
  const int64_t n = p.N * p.C * p.OH * p.OW;
  if (n == 0) return;
  avg_pool_fwd<<<grid_for(n), kThreads, 0, s>>>(y, x, p);
  CUDA_CHECK_LAUNCH();
}

void avg_pool2d_backward(float* dx, const float* dy, const Pool2dParams& p, Stream s) {
  const int64_t n = p.N * p.C * p.H * p.W;
  if (n == 0) return;
  avg_pool_bwd<<<grid_for(n), kThreads, 0, s>>>(dx, dy, p);
  CUDA_CHECK_LAUNCH();
}

void adaptive_avg_pool2d_forward(float* y, const float* x, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                 Stream s) {
  const int64_t n = NC * OH * OW;
  if (n == 0) return;
  adaptive_avg_fwd<<<grid_for(n), kThreads, 0, s>>>(y, x, NC, H, W, OH, OW);
  CUDA_CHECK_LAUNCH();
}

void adaptive_avg_pool2d_backward(float* dx, const float* dy, int64_t NC, int64_t H, int64_t W, int64_t OH,
                                  int64_t OW, Stream s) {
  if (NC * H * W == 0) return;
  CUDA_CHECK(cudaMemsetAsync(dx, 0, size_t(NC * H * W) * sizeof(float), s));
  const int64_t n = NC * OH * OW;
  if (n == 0) return;
  adaptive_avg_bwd<<<grid_for(n), kThreads, 0, s>>>(dx, dy, NC, H, W, OH, OW);
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace tf
