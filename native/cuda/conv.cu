// conv2d (NCHW, groups, stride, padding, dilation) forward and backward as implicit GEMM:
// the GEMM engine's loaders gather im2col / col2im elements on the fly, so no unfolded
// buffer is ever materialized. z = group in every product.
//   forward  y[g]  (OCg x N*OH*OW)  = W[g] (OCg x Cg*KH*KW)   * im2col(x)[g]
//   dgrad    dx[g] (Cg x N*H*W)     = W[g]^T (Cg x OCg*KH*KW) * gathered dy (stride-aware)
//   wgrad    dW[g] (OCg x Cg*KH*KW) = dy[g] (OCg x N*OH*OW)   * im2col(x)[g]^T   (split-K)
#include "cuda/gemm.cuh"

namespace tf {
namespace cuda {

namespace {

struct ConvDims {
  int64_t N, C, H, W, OC, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw, G, Cg, OCg;
  explicit ConvDims(const Conv2dParams& p)
      : N(p.N), C(p.C), H(p.H), W(p.W), OC(p.OC), KH(p.KH), KW(p.KW), OH(p.OH), OW(p.OW), sh(p.stride_h), sw(p.stride_w),
        ph(p.pad_h), pw(p.pad_w), dh(p.dil_h), dw(p.dil_w), G(p.groups), Cg(p.C / p.groups), OCg(p.OC / p.groups) {}
};

// Weight as A[g](oc, k = (c, kh, kw)).
struct WeightA {
  const float* w;
  ConvDims d;
  __device__ bool k_contiguous() const { return true; }
  __device__ float operator()(int64_t g, int64_t oc, int64_t k) const {
    return __ldg(w + (g * d.OCg + oc) * d.Cg * d.KH * d.KW + k);
  }
};

// im2col(x) as an operand indexed (g, n = (img, oh, ow), k = (c, kh, kw)).
struct Im2colB {
  const float* x;
  ConvDims d;
  __device__ bool k_contiguous() const { return false; }
  __device__ float operator()(int64_t g, int64_t n, int64_t k) const {
    const int64_t ow = n % d.OW, t = n / d.OW, oh = t % d.OH, img = t / d.OH;
    const int64_t kw = k % d.KW, t2 = k / d.KW, kh = t2 % d.KH, c = t2 / d.KH;
    const int64_t ih = oh * d.sh - d.ph + kh * d.dh, iw = ow * d.sw - d.pw + kw * d.dw;
    if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) return 0.0f;
    return __ldg(x + ((img * d.C + g * d.Cg + c) * d.H + ih) * d.W + iw);
  }
};

struct ConvOutStore {
  float* y;
  const float* bias;
  ConvDims d;
  int32_t act;
  __device__ void operator()(int64_t g, int64_t m, int64_t n, float acc) const {
    const int64_t oc = g * d.OCg + m, hw = d.OH * d.OW, img = n / hw, r = n - img * hw;
    float v = bias ? acc + bias[oc] : acc;
    if (act == 1) v = v > 0.0f ? v : 0.0f;
    y[(img * d.OC + oc) * hw + r] = v;
  }
};

// dgrad: A[g](c, k = (oc, kh, kw)) = w[g*OCg + oc, c, kh, kw].
struct WeightT {
  const float* w;
  ConvDims d;
  __device__ bool k_contiguous() const { return true; }
  __device__ float operator()(int64_t g, int64_t c, int64_t k) const {
    const int64_t khw = d.KH * d.KW, oc = k / khw, r = k - oc * khw;
    return __ldg(w + ((g * d.OCg + oc) * d.Cg + c) * khw + r);
  }
};

// dgrad: B[g](n = (img, ih, iw), k = (oc, kh, kw)) = dy[img, oc, oh, ow] where the tap lands.
struct DyGather {
  const float* dy;
  ConvDims d;
  __device__ bool k_contiguous() const { return false; }
  __device__ float operator()(int64_t g, int64_t n, int64_t k) const {
    const int64_t iw = n % d.W, t = n / d.W, ih = t % d.H, img = t / d.H;
    const int64_t kw = k % d.KW, t2 = k / d.KW, kh = t2 % d.KH, oc = t2 / d.KH;
    const int64_t th = ih + d.ph - kh * d.dh, tw = iw + d.pw - kw * d.dw;
    if (th < 0 || tw < 0 || th % d.sh || tw % d.sw) return 0.0f;
    const int64_t oh = th / d.sh, ow = tw / d.sw;
    if (oh >= d.OH || ow >= d.OW) return 0.0f;
    return __ldg(dy + ((img * d.OC + g * d.OCg + oc) * d.OH + oh) * d.OW + ow);
  }
};

struct DxStore {
  float* dx;
  ConvDims d;
  __device__ void operator()(int64_t g, int64_t c, int64_t n, float acc) const {
    const int64_t hw = d.H * d.W, img = n / hw, r = n - img * hw;
    dx[(img * d.C + g * d.Cg + c) * hw + r] = acc;
  }
};

// wgrad: A[g](oc, k = (img, oh, ow)) = dy[img, g*OCg + oc, oh, ow].
struct DyA {
  const float* dy;
  ConvDims d;
  __device__ bool k_contiguous() const { return true; }
  __device__ float operator()(int64_t g, int64_t oc, int64_t k) const {
    const int64_t hw = d.OH * d.OW, img = k / hw, r = k - img * hw;
    return __ldg(dy + (img * d.OC + g * d.OCg + oc) * hw + r);
  }
};

// wgrad: B[g](n = (c, kh, kw), k = (img, oh, ow)) = x at the tap.
struct Im2colT {
  const float* x;
  ConvDims d;
  __device__ bool k_contiguous() const { return true; }
  __device__ float operator()(int64_t g, int64_t n, int64_t k) const {
    const int64_t ow = k % d.OW, t = k / d.OW, oh = t % d.OH, img = t / d.OH;
    const int64_t kw = n % d.KW, t2 = n / d.KW, kh = t2 % d.KH, c = t2 / d.KH;
    const int64_t ih = oh * d.sh - d.ph + kh * d.dh, iw = ow * d.sw - d.pw + kw * d.dw;
    if (ih < 0 || ih >= d.H || iw < 0 || iw >= d.W) return 0.0f;
    return __ldg(x + ((img * d.C + g * d.Cg + c) * d.H + ih) * d.W + iw);
  }
};

struct DwStore {
  float* dw;
  ConvDims d;
  __device__ void operator()(int64_t g, int64_t oc, int64_t n, float acc) const {
    atomicAdd(dw + (g * d.OCg + oc) * d.Cg * d.KH * d.KW + n, acc);  // split-K partial sums
  }
};

int variant_for(int32_t precision) { return precision == kPrecisionHigh ? 3 : 2; }

__global__ void bias_grad_kernel(float* db, const float* dy, int64_t N, int64_t OC, int64_t HW) {
  for (int64_t oc = blockIdx.x; oc < OC; oc += gridDim.x) {
    float acc = 0.0f;
    const int64_t total = N * HW;
    for (int64_t i = threadIdx.x; i < total; i += blockDim.x) {
      const int64_t img = i / HW, r = i - img * HW;
      acc += dy[(img * OC + oc) * HW + r];
    }
    acc = block_sum(acc);
    if (threadIdx.x == 0) db[oc] = acc;
  }
}

}  // namespace

void conv2d_forward(float* y, const float* x, const float* w, const float* bias, const Conv2dParams& p, int32_t act,
                    int32_t precision, Stream s) {
  ConvDims d(p);
  GemmShape g{d.OCg, d.N * d.OH * d.OW, d.Cg * d.KH * d.KW, d.G, 1, 0};
  gemm_launch(variant_for(precision), WeightA{w, d}, Im2colB{x, d}, ConvOutStore{y, bias, d, act}, g, s);
}

void conv2d_backward_input(float* dx, const float* dy, const float* w, const Conv2dParams& p, int32_t precision,
                           Stream s) {
  ConvDims d(p);
  GemmShape g{d.Cg, d.N * d.H * d.W, d.OCg * d.KH * d.KW, d.G, 1, 0};
  gemm_launch(variant_for(precision), WeightT{w, d}, DyGather{dy, d}, DxStore{dx, d}, g, s);
}

void conv2d_backward_weight(float* dw, const float* dy, const float* x, const Conv2dParams& p, int32_t precision,
                            Stream s) {
  ConvDims d(p);
  const int v = variant_for(precision);
  const int64_t M = d.OCg, N = d.Cg * d.KH * d.KW, K = d.N * d.OH * d.OW;
  CUDA_CHECK(cudaMemsetAsync(dw, 0, size_t(d.OC * N) * sizeof(float), s));
  GemmShape g{M, N, K, d.G, 1, 0};
  g.ksplit = choose_ksplit(M, N, K, d.G, v == 3 ? kTcBM : kSgBM, v == 3 ? kTcBN : kSgBN, v == 3 ? kTcBK : kSgBK);
  while (d.G * g.ksplit > 65535) g.ksplit /= 2;
  gemm_launch(v, DyA{dy, d}, Im2colT{x, d}, DwStore{dw, d}, g, s);
}

void conv2d_backward_bias(float* db, const float* dy, const Conv2dParams& p, Stream s) {
  if (p.OC == 0) return;
  bias_grad_kernel<<<unsigned(p.OC < 65535 ? p.OC : 65535), kThreads, 0, s>>>(db, dy, p.N, p.OC, p.OH * p.OW);
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace tf
