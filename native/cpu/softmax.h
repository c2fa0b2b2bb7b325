// Softmax / log-softmax along one dim, and the fused softmax + cross-entropy loss.
// Tensors are contiguous and seen as [outer, n, inner] with the softmax dim in the middle
// (inner = product of the dims after it), so any dim is handled without a transpose.
#pragma once
#include "tensorforge/view.h"

namespace tf {
namespace cpu {

// NOTE: codes shared with lib/ops/softmax.ts (LossReduction).
enum LossReduction : int32_t { kReduceNone = 0, kReduceMean, kReduceSum, kNumLossReductions };

TF_DECL_ALL(
// y, x: [outer, n, inner]. log: write log-softmax instead of softmax. Numerically stable
// (max subtracted); a row of n = 0 writes nothing.
void softmax_forward(float* y, const float* x, int64_t outer, int64_t n, int64_t inner, bool log))

TF_DECL_ALL(
// dx, dy, y: [outer, n, inner]; y is the forward output (softmax or log-softmax).
// softmax: dx = y * (dy - sum(dy * y));  log-softmax: dx = dy - exp(y) * sum(dy).
void softmax_backward(float* dx, const float* dy, const float* y, int64_t outer, int64_t n,
                      int64_t inner, bool log))

TF_DECL_ALL(
// Cross-entropy of softmax(logits) over C classes, PyTorch semantics.
// out: [N * S] (reduction none) or [1] (mean/sum).  lse: [N * S] logsumexp, saved for backward.
// wsum: the mean's denominator (sum of weight[target] over non-ignored samples for class
//   targets, N * S for probability targets).
// logits: [N, C, S].  target: [N, S] class indices in [0, C) or ignore_index (already
//   validated by the caller), or null.  probs: [N, C, S] target probabilities, or null
//   (exactly one of target/probs is given).  weight: [C] class weights or null.
// smoothing: label smoothing in [0, 1]: the target mixes (1 - smoothing) of the label with
//   smoothing / C spread uniformly (weighted by weight[c]).
void cross_entropy_forward(float* out, float* lse, double* wsum, const float* logits,
                           const int32_t* target, const float* probs, const float* weight,
                           int64_t N, int64_t C, int64_t S, int32_t reduction,
                           int32_t ignore_index, float smoothing))

TF_DECL_ALL(
// dlogits: [N, C, S] = dloss * scale * (sum_c t_c * softmax - t), t the (weighted, smoothed)
// target distribution of each sample; ignored samples get 0.  dloss: [N * S] with
// dloss_stride 1 (reduction none) or one value with dloss_stride 0.  scale: 1, or 1 / wsum
// for the mean.  logits, lse, target, probs, weight: as in cross_entropy_forward.
void cross_entropy_backward(float* dlogits, const float* dloss, int64_t dloss_stride, float scale,
                            const float* logits, const float* lse, const int32_t* target,
                            const float* probs, const float* weight, int64_t N, int64_t C,
                            int64_t S, int32_t ignore_index, float smoothing))

}  // namespace cpu
}  // namespace tf
