// The CUDA kernel layer as plain C++ declarations (no CUDA headers), so the N-API glue in
// native/binding/ compiles with the host compiler into both addons. Same families and semantics as
// native/cpu/ (see the headers there for the contracts); pointers are device pointers,
// every call enqueues on `stream` and returns without synchronizing. Outputs first, then
// inputs, then sizes/params; each argument carries its shape.
#pragma once
#include <cstdint>

#include "cpu/gemm/gemm.h"  // GemmEpilogue, GemmAct, GemmBias (bias is a device pointer here)
#include "cpu/rnn.h"        // TF_RNN_FORWARD_ARGS, TF_RNN_BACKWARD_ARGS
#include "tensorforge/params.h"
#include "tensorforge/view.h"

struct CUstream_st;

namespace tf {
namespace cuda {

using Stream = CUstream_st*;

// TF_WITH_CUDA (the CUDA addon and native/cuda/*.cu): the kernels are declared here and
// defined in the .cu files. Without it (the CPU addon) every kernel is an inline stub that
// throws "not built with CUDA" (native/cuda/stub.cpp); the bindings never reach one, since
// that addon cannot allocate a CUDA storage, but they compile and link unchanged.
#ifdef TF_WITH_CUDA
constexpr bool kBuilt = true;
#define TF_CUDA_FN(...) __VA_ARGS__;
#else
constexpr bool kBuilt = false;
[[noreturn]] void not_built();
#define TF_CUDA_FN(...) inline __VA_ARGS__ { not_built(); }
#endif

// ---- elementwise.cu (op codes: cpu/elementwise.h) -----------------------------------------
TF_CUDA_FN(void binary(const TensorView& y, const TensorView& a, const TensorView& b, int32_t op, Stream s))
TF_CUDA_FN(void unary(const TensorView& y, const TensorView& x, int32_t op, double p0, double p1, Stream s))
TF_CUDA_FN(void unary_backward(const TensorView& dx, const TensorView& dy, const TensorView& x,
                    const TensorView& y, int32_t op, double p0, double p1, Stream s))
TF_CUDA_FN(void where(const TensorView& y, const TensorView& cond, const TensorView& a, const TensorView& b, Stream s))
TF_CUDA_FN(void cast(const TensorView& y, const TensorView& x, Stream s))
TF_CUDA_FN(void fill(const TensorView& y, double value, Stream s))

// ---- reduce.cu (op codes: cpu/reduce.h) ---------------------------------------------------
// y: the first `nkept` dims of x (any strides), reduced over the rest; sums in double like
// the CPU. kMean/kVar: y F32; kArgmax/kArgmin: y I32 (first occurrence, NaN wins); else x's
// dtype. Empty reductions: sum 0, prod 1, mean/var NaN.
TF_CUDA_FN(void reduce(const TensorView& y, const TensorView& x, int nkept, int32_t op, double correction, Stream s))

// ---- softmax.cu: over the middle dim of contiguous [outer, n, inner] (cpu/softmax.h) -------
TF_CUDA_FN(void softmax_forward(float* y, const float* x, int64_t outer, int64_t n, int64_t inner, bool log, Stream s))
// softmax: dx = y * (dy - sum(dy*y)); log: dx = dy - exp(y) * sum(dy).
TF_CUDA_FN(void softmax_backward(float* dx, const float* dy, const float* y, int64_t outer, int64_t n, int64_t inner, bool log,
                      Stream s))
// Fused cross-entropy: loss[n] = logsumexp(logits[n]) - logits[n, t[n]] (label smoothing 0).
// Rows whose target equals ignore_index give 0; targets outside [0, C) give NaN (never read).
TF_CUDA_FN(void cross_entropy_forward(float* loss /*[N]*/, float* lse /*[N] saved*/, const float* logits /*[N,C]*/,
                           const int32_t* target /*[N]*/, int64_t N, int64_t C, int32_t ignore_index, Stream s))
// dlogits[n] = dloss[n] * (softmax(logits[n]) - onehot(t[n])); 0 for ignored/invalid rows.
TF_CUDA_FN(void cross_entropy_backward(float* dlogits /*[N,C]*/, const float* dloss /*[N]*/, const float* logits /*[N,C]*/,
                            const float* lse /*[N]*/, const int32_t* target /*[N]*/, int64_t N, int64_t C,
                            int32_t ignore_index, Stream s))

// ---- matmul.cu: the GEMM contract of cpu/gemm/gemm.h on device pointers ----------------------
enum MatmulPrecision : int32_t { kPrecisionHighest = 0 /* fp32 FMA */, kPrecisionHigh = 1 /* TF32 mma.sync */ };
TF_CUDA_FN(void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
           const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
           float* C, int64_t ldc, const cpu::GemmEpilogue* ep, int32_t precision, Stream s))
TF_CUDA_FN(void sgemm_batched(int64_t batch, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K,
                   float alpha, const float* A, int64_t lda, int64_t stride_a,
                   const float* B, int64_t ldb, int64_t stride_b, float beta,
                   float* C, int64_t ldc, int64_t stride_c, const cpu::GemmEpilogue* ep,
                   int32_t precision, Stream s))
// Numbered development variants (see native/cuda/dev/): 1 naive, 2 tiled SGEMM, 3 TF32 mma.sync.
TF_CUDA_FN(void sgemm_variant(int variant, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                   const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                   float* C, int64_t ldc, Stream s))

// ---- conv.cu: NCHW conv2d as implicit GEMM -------------------------------------------------
using ::tf::Conv2dParams;  // tensorforge/params.h
TF_CUDA_FN(void conv2d_forward(float* y /*[N,OC,OH,OW]*/, const float* x /*[N,C,H,W]*/, const float* w,
                    const float* bias /*[OC] or null*/, const Conv2dParams& p, int32_t act /*1: relu after the bias*/,
                    int32_t precision, Stream s))
TF_CUDA_FN(void conv2d_backward_input(float* dx /*[N,C,H,W]*/, const float* dy /*[N,OC,OH,OW]*/, const float* w,
                           const Conv2dParams& p, int32_t precision, Stream s))
TF_CUDA_FN(void conv2d_backward_weight(float* dw /*[OC,C/g,KH,KW]*/, const float* dy, const float* x,
                            const Conv2dParams& p, int32_t precision, Stream s))
TF_CUDA_FN(void conv2d_backward_bias(float* db /*[OC]*/, const float* dy, const Conv2dParams& p, Stream s))

// ---- pool.cu: NCHW pooling; out-of-image taps are skipped (max) or counted per flag (avg) --
using ::tf::Pool2dParams;  // tensorforge/params.h; avg pooling ignores dilation
TF_CUDA_FN(void max_pool2d_forward(float* y /*[N,C,OH,OW]*/, int32_t* idx /*[N,C,OH,OW] h*W+w*/, const float* x, const Pool2dParams& p, Stream s))
TF_CUDA_FN(void max_pool2d_backward(float* dx /*[N,C,H,W]*/, const float* dy, const int32_t* idx, const Pool2dParams& p, Stream s))
TF_CUDA_FN(void avg_pool2d_forward(float* y, const float* x, const Pool2dParams& p, Stream s))
TF_CUDA_FN(void avg_pool2d_backward(float* dx, const float* dy, const Pool2dParams& p, Stream s))
// Adaptive average pooling to [OH, OW] (PyTorch's start/end bins).
TF_CUDA_FN(void adaptive_avg_pool2d_forward(float* y, const float* x, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW, Stream s))
TF_CUDA_FN(void adaptive_avg_pool2d_backward(float* dx, const float* dy, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW, Stream s))

// ---- norm.cu: batch norm over x [N, C, S] (S = H*W; 1 for [N, C]) --------------------------
// Training: per-channel batch mean / biased var normalize; running stats (nullable) updated
// with momentum and the unbiased var like PyTorch; save_mean/save_invstd for backward.
TF_CUDA_FN(void batch_norm_forward_train(float* y, float* save_mean /*[C]*/, float* save_invstd /*[C]*/,
                              float* running_mean, float* running_var, const float* x,
                              const float* gamma /*[C] or null*/, const float* beta /*[C] or null*/,
                              int64_t N, int64_t C, int64_t S, float momentum, float eps, Stream s))
TF_CUDA_FN(void batch_norm_forward_eval(float* y, float* save_mean, float* save_invstd, const float* x,
                             const float* running_mean, const float* running_var, const float* gamma,
                             const float* beta, int64_t N, int64_t C, int64_t S, float eps, Stream s))
// Eval forward also writes save_mean/save_invstd (running mean, 1/sqrt(running var + eps)).
// Backward (cpu/norm.h): training differentiates through the batch statistics, eval treats
// them as constants; dx/dgamma/dbeta nullable (overwritten, not accumulated).
TF_CUDA_FN(void batch_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x,
                         const float* save_mean, const float* save_invstd, const float* gamma,
                         int64_t N, int64_t C, int64_t S, bool training, Stream s))

// Group norm over x [N, C, S] in G groups of C/G channels (cpu/norm.h's contract): statistics
// per (n, g), biased var; mean/rstd [N, G] saved. gamma/beta [C] nullable; backward's
// dx/dgamma/dbeta nullable (overwritten).
TF_CUDA_FN(void group_norm_forward(float* y, float* mean, float* rstd, const float* x, const float* gamma, const float* beta,
                        int64_t N, int64_t C, int64_t S, int64_t G, float eps, Stream s))
TF_CUDA_FN(void group_norm_backward(float* dx, float* dgamma, float* dbeta, const float* dy, const float* x, const float* mean,
                         const float* rstd, const float* gamma, int64_t N, int64_t C, int64_t S, int64_t G,
                         Stream s))

// ---- upsample.cu: F.interpolate on NCHW, x [NC, H, W] -> y [NC, OH, OW] (cpu/upsample.h) ---
// scale_h/scale_w: the source step per output step, resolved by the caller with PyTorch's
// rules; backward overwrites dx.
TF_CUDA_FN(void upsample_nearest2d_forward(float* y, const float* x, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                float scale_h, float scale_w, Stream s))
TF_CUDA_FN(void upsample_nearest2d_backward(float* dx, const float* dy, int64_t NC, int64_t H, int64_t W, int64_t OH,
                                 int64_t OW, float scale_h, float scale_w, Stream s))
TF_CUDA_FN(void upsample_bilinear2d_forward(float* y, const float* x, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                 float scale_h, float scale_w, bool align_corners, Stream s))
TF_CUDA_FN(void upsample_bilinear2d_backward(float* dx, const float* dy, int64_t NC, int64_t H, int64_t W, int64_t OH,
                                  int64_t OW, float scale_h, float scale_w, bool align_corners, Stream s))

// ---- rnn.cu: one recurrent layer, one direction: the contract of cpu/rnn.h (PyTorch gate
// order, sequence-major, the same reserve layout) on device pointers.
TF_CUDA_FN(void rnn_forward(TF_RNN_FORWARD_ARGS, int32_t precision, Stream s))
TF_CUDA_FN(void rnn_backward(TF_RNN_BACKWARD_ARGS, int32_t precision, Stream s))

// ---- random.cu: Philox4x32-10, bit-identical counters to cpu/random.cpp -------------------
TF_CUDA_FN(void random_fill(const TensorView& y, int32_t kind, double p0, double p1, uint64_t seed, uint64_t offset, Stream s))

// ---- optim.cu: fused in-place updates (PyTorch semantics) ----------------------------------
// Adam (decoupled=false: L2 added to the gradient) / AdamW (decoupled=true: p *= 1 - lr*wd),
// cpu/optim.h's adam_update: step_size = lr / (1 - beta1^t), bc2_sqrt = sqrt(1 - beta2^t);
// vmax (amsgrad) nullable; maximize flips the gradient.
TF_CUDA_FN(void adam_step(float* param, float* m, float* v, float* vmax, const float* grad, int64_t n, float lr, float beta1,
               float beta2, float eps, float weight_decay, bool decoupled, double step_size, double bc2_sqrt,
               bool maximize, Stream s))
// SGD with momentum/dampening/nesterov/weight decay; buf nullable when momentum == 0.
// first: buf is initialised to the gradient (PyTorch's first step).
TF_CUDA_FN(void sgd_step(float* param, float* buf, const float* grad, int64_t n, float lr, float momentum,
              float dampening, float weight_decay, bool nesterov, bool first, bool maximize, Stream s))

}  // namespace cuda
}  // namespace tf
