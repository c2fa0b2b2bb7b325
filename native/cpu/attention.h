// Fused scaled dot-product attention, forward and backward, float32:
//   out = softmax(scale * q k^T + mask (+ causal)) v
// over B independent (batch x head) problems. Each operand is addressed per problem by an
// element offset (so broadcast and strided views need no copy) and a row stride; the last
// dim of q, k, v is contiguous. The softmax is computed online over blocks of keys (running
// max and sum, FlashAttention style), so the L x S score matrix is never stored; the
// logsumexp of each row is saved for the backward, which recomputes the probabilities.
#pragma once
#include <cstdint>

#include "tensorforge/view.h"

namespace tf {
namespace cpu {

struct AttnOperand {
  const float* data = nullptr;      // storage base (offsets are added to it)
  const int64_t* offset = nullptr;  // [B] element offset of each problem's first row
  int64_t row_stride = 0;           // elements between rows (0 broadcasts a row)
  int64_t col_stride = 1;           // mask only: elements between columns (q, k, v: 1)
};

struct AttnProblem {
  int64_t B = 0, L = 0, S = 0, E = 0, Ev = 0;  // problems, queries, keys, q/k width, v width
  float scale = 1;
  bool causal = false;  // query i attends to keys j <= i (top-left aligned, as PyTorch)
  AttnOperand q, k, v;  // q: [L, E], k: [S, E], v: [S, Ev] per problem
  AttnOperand mask;     // additive float mask [L, S] per problem, or data == nullptr
};

TF_DECL_ALL(
// out: [B, L, Ev] contiguous; lse: [B, L] contiguous, the logsumexp of each row's scaled and
// masked scores (-inf for a row whose keys are all masked: its output is NaN, as the
// composed softmax gives). S == 0 writes zeros (an empty weighted sum).
void attention_forward(float* out, float* lse, const AttnProblem& p))

TF_DECL_ALL(
// dq: [B, L, E], dk: [B, S, E], dv: [B, S, Ev], dmask: [B, L, S] or null, all contiguous
// and overwritten. dout, out: [B, L, Ev] contiguous; lse: [B, L] from the forward.
// With P = exp(scale q k^T + mask - lse) and D = rowsum(dout * out):
//   dv = P^T dout, dS = P * (dout v^T - D), dq = scale dS k, dk = scale dS^T q, dmask = dS.
void attention_backward(float* dq, float* dk, float* dv, float* dmask, const float* dout,
                        const float* out, const float* lse, const AttnProblem& p))

}  // namespace cpu
}  // namespace tf
