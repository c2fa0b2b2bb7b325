// Recurrent layers (Elman RNN with tanh/relu, LSTM, GRU), one layer and one direction per
// call, forward and backward through time. PyTorch's semantics and weight layouts:
//   weight_ih [G*H, I], weight_hh [G*H, H], bias_ih [G*H], bias_hh [G*H]
//   RNN  (G=1): h = act(W_ih x + b_ih + W_hh h' + b_hh)
//   LSTM (G=4, gate rows i,f,g,o): c = f*c' + i*g, h = o*tanh(c)
//   GRU  (G=3, gate rows r,z,n): n = tanh(W_in x + b_in + r*(W_hn h' + b_hn)),
//                                h = (1-z)*n + z*h'
// Everything is sequence-major and contiguous: x [T, B, I], y [T, B, H]. `reverse` runs
// the recurrence from t = T-1 down to 0 (the backward half of a bidirectional layer); y[t]
// is still the output at position t.
#pragma once
#include <cstdint>

#include "tensorforge/view.h"

namespace tf {
namespace cpu {

// NOTE: codes shared with lib/ops/rnn.ts (RnnMode); change both together.
enum RnnMode : int32_t { kRnnTanh = 0, kRnnRelu = 1, kLstm = 2, kGru = 3, kNumRnnModes };

inline int64_t rnn_gates(int32_t mode) { return mode == kLstm ? 4 : mode == kGru ? 3 : 1; }
// Floats saved per (t, b) for backward ("reserve" [T, B, S]): LSTM activated gates i,f,g,o
// then c (5H); GRU activated r,z,n then W_hn h' + b_hn (4H); RNN nothing (y is enough).
inline int64_t rnn_reserve_width(int32_t mode, int64_t H) {
  return mode == kLstm ? 5 * H : mode == kGru ? 4 * H : 0;
}

#define TF_RNN_FORWARD_ARGS                                                                  \
  float *y,              /* [T, B, H] hidden state at every position */                      \
      float *hn,         /* [B, H] final hidden state */                                     \
      float *cn,         /* [B, H] final cell state (LSTM; else null) */                     \
      float *reserve,    /* [T, B, S] saved for backward, S = rnn_reserve_width */           \
      const float *x,    /* [T, B, I] */                                                     \
      const float *h0,   /* [B, H] */                                                        \
      const float *c0,   /* [B, H] (LSTM; else null) */                                      \
      const float *w_ih, /* [G*H, I] */                                                      \
      const float *w_hh, /* [G*H, H] */                                                      \
      const float *b_ih, /* [G*H] or null (no bias) */                                       \
      const float *b_hh, /* [G*H] or null (no bias) */                                       \
      int64_t T, int64_t B, int64_t I, int64_t H, int32_t mode, bool reverse

// Gradients are written, not accumulated. dy/dhn/dcn are the gradients of y/hn/cn.
#define TF_RNN_BACKWARD_ARGS                                                                 \
  float *dx,                 /* [T, B, I], or null when not needed */                       \
      float *dh0,            /* [B, H] */                                                    \
      float *dc0,            /* [B, H] (LSTM; else null) */                                  \
      float *dw_ih,          /* [G*H, I] */                                                  \
      float *dw_hh,          /* [G*H, H] */                                                  \
      float *db_ih,          /* [G*H] or null (no bias) */                                   \
      float *db_hh,          /* [G*H] or null (no bias) */                                   \
      const float *dy,       /* [T, B, H] */                                                 \
      const float *dhn,      /* [B, H] */                                                    \
      const float *dcn,      /* [B, H] (LSTM; else null) */                                  \
      const float *x,        /* [T, B, I] */                                                 \
      const float *h0,       /* [B, H] */                                                    \
      const float *c0,       /* [B, H] (LSTM; else null) */                                  \
      const float *w_ih,     /* [G*H, I] */                                                  \
      const float *w_hh,     /* [G*H, H] */                                                  \
      const float *y,        /* [T, B, H] from forward */                                    \
      const float *reserve,  /* [T, B, S] from forward */                                    \
      int64_t T, int64_t B, int64_t I, int64_t H, int32_t mode, bool reverse

TF_DECL_ALL(void rnn_forward(TF_RNN_FORWARD_ARGS))
TF_DECL_ALL(void rnn_backward(TF_RNN_BACKWARD_ARGS))

// Naive single-threaded references (native/cpu/ref/rnn_ref.cpp), same contract.
namespace ref {
void rnn_forward(TF_RNN_FORWARD_ARGS);
void rnn_backward(TF_RNN_BACKWARD_ARGS);
}  // namespace ref

}  // namespace cpu
}  // namespace tf
