// Recurrent layers: GEMMs for the projections plus one fused elementwise pass per step.
// Forward: the input projection of all T steps is one GEMM straight into the buffer the
// step reads (y for RNN, the reserve's gate slots for LSTM/GRU); then per step one
// recurrent GEMM accumulates W_hh h' and a fused pass applies the gate nonlinearities and
// the state update, saving the activated gates. Backward: per step a fused pass turns
// dh (and dc) into pre-activation gate gradients dG[t], and one GEMM carries dh to the
// previous step; dx, dW_ih, dW_hh and the biases come from whole-sequence GEMMs at the end.
#include "cpu/rnn.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "cpu/gemm/gemm.h"
#include "cpu/simd.h"
#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

using namespace ::tf::TF_ISA;  // vf, vload, vstore, vbroadcast, kVecWidth (simd.h)

namespace {


// The gate math is written once as templates over V = vf (full vectors) or float (row tails).
inline vf ld(const float* p, vf) { return vload(p); }
inline float ld(const float* p, float) { return *p; }
inline void st(float* p, vf v) { vstore(p, v); }
inline void st(float* p, float v) { *p = v; }

// Gate nonlinearities from simd.h; the scalar forms run the same vector code on one lane.
inline vf sigmoid(vf x) { return vsigmoid(x); }
inline vf tanh_(vf x) { return vtanh(x); }
inline vf relu(vf x) { return x < 0.0f ? vbroadcast(0.0f) : x; }
inline vf relu_grad(vf y, vf g) { return y > 0.0f ? g : vbroadcast(0.0f); }
inline float sigmoid(float x) { return ssigmoid(x); }
inline float tanh_(float x) { return stanh(x); }
inline float relu(float x) { return x < 0.0f ? 0.0f : x; }
inline float relu_grad(float y, float g) { return y > 0.0f ? g : 0.0f; }

// Runs f(j, V{}) over j in [0, n): vectors first, then scalars for the tail.
template <class F>
inline void row_loop(int64_t n, F f) {
  int64_t j = 0;
  for (; j + kVecWidth <= n; j += kVecWidth) f(j, vf{});
  for (; j < n; ++j) f(j, 0.0f);
}

// C[M,N] = op(A) op(B) + beta*C (+ bias[N]); also correct for K == 0.
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda,
          const float* Bm, int64_t ldb, float beta, float* C, int64_t ldc, const float* bias) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j)
        C[i * ldc + j] = (beta == 0.0f ? 0.0f : beta * C[i * ldc + j]) + (bias ? bias[j] : 0.0f);
    return;
  }
  GemmEpilogue ep;
  ep.bias = bias;
  ep.bias_kind = kBiasPerCol;
  sgemm(ta, tb, M, N, K, 1.0f, A, lda, Bm, ldb, beta, C, ldc, bias ? &ep : nullptr);
}

// db[j] = sum_r dG[r, j]
void column_sums(float* db, const float* dG, int64_t rows, int64_t cols) {
  parallel_for(cols, 256, [&](int64_t c0, int64_t c1) {
    std::fill(db + c0, db + c1, 0.0f);
    for (int64_t r = 0; r < rows; ++r) {
      const float* g = dG + r * cols;
      for (int64_t j = c0; j < c1; ++j) db[j] += g[j];
    }
  });
}

int64_t row_grain(int64_t width) { return std::max<int64_t>(1, 8192 / std::max<int64_t>(1, width)); }

}  // namespace

void rnn_forward(TF_RNN_FORWARD_ARGS) {
  const int64_t G = rnn_gates(mode), GH = G * H, S = rnn_reserve_width(mode, H);
  const bool lstm = mode == kLstm, gru = mode == kGru;
  // Input projection for every step: into y (RNN) or the reserve's gate slots.
  float* proj = (lstm || gru) ? reserve : y;
  const int64_t ldp = (lstm || gru) ? S : H;
  thread_local std::vector<float> bias, hh;
  const float* pbias = b_ih;
  if (!gru && (b_ih || b_hh)) {  // RNN/LSTM: both biases enter the same sum, add them once
    bias.resize(size_t(GH));
    for (int64_t j = 0; j < GH; ++j) bias[size_t(j)] = (b_ih ? b_ih[j] : 0.0f) + (b_hh ? b_hh[j] : 0.0f);
    pbias = bias.data();
  }
  gemm(false, true, T * B, GH, I, x, I, w_ih, I, 0.0f, proj, ldp, pbias);
  if (gru) hh.resize(size_t(B * GH));

  for (int64_t s = 0; s < T; ++s) {
    const int64_t t = reverse ? T - 1 - s : s, tp = reverse ? t + 1 : t - 1;
    const float* hp = s == 0 ? h0 : y + tp * B * H;  // h' [B, H]
    float* yt = y + t * B * H;
    float* rt = reserve + t * B * S;
    if (gru) gemm(false, true, B, GH, H, hp, H, w_hh, H, 0.0f, hh.data(), GH, b_hh);
    else gemm(false, true, B, GH, H, hp, H, w_hh, H, 1.0f, lstm ? rt : yt, lstm ? S : H, nullptr);
    const float* cp = lstm ? (s == 0 ? c0 : reserve + tp * B * S + 4 * H) : nullptr;
    const int64_t ldcp = s == 0 ? H : S;
    const float* hhd = hh.data();
    parallel_for(B, row_grain(GH), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        float* yb = yt + b * H;
        if (mode == kRnnTanh) {
          row_loop(H, [&](int64_t j, auto v) { st(yb + j, tanh_(ld(yb + j, v))); });
        } else if (mode == kRnnRelu) {
          row_loop(H, [&](int64_t j, auto v) { st(yb + j, relu(ld(yb + j, v))); });
        } else if (lstm) {
          float* g = rt + b * S;  // [i f g o | c]
          const float* cb = cp + b * ldcp;
          row_loop(H, [&](int64_t j, auto v) {
            auto i = sigmoid(ld(g + j, v)), f = sigmoid(ld(g + H + j, v));
            auto gg = tanh_(ld(g + 2 * H + j, v)), o = sigmoid(ld(g + 3 * H + j, v));
            auto c = f * ld(cb + j, v) + i * gg;
            st(g + j, i); st(g + H + j, f); st(g + 2 * H + j, gg); st(g + 3 * H + j, o);
            st(g + 4 * H + j, c);
            st(yb + j, o * tanh_(c));
          });
        } else {
          float* g = rt + b * S;  // [r z n | W_hn h' + b_hn]
          const float* hb = hhd + b * GH;
          const float* hpb = hp + b * H;
          row_loop(H, [&](int64_t j, auto v) {
            auto r = sigmoid(ld(g + j, v) + ld(hb + j, v));
            auto z = sigmoid(ld(g + H + j, v) + ld(hb + H + j, v));
            auto hn_lin = ld(hb + 2 * H + j, v);
            auto n = tanh_(ld(g + 2 * H + j, v) + r * hn_lin);
            st(g + j, r); st(g + H + j, z); st(g + 2 * H + j, n); st(g + 3 * H + j, hn_lin);
            st(yb + j, (1.0f - z) * n + z * ld(hpb + j, v));
          });
        }
      }
    });
  }
  const int64_t tl = reverse ? 0 : T - 1;  // position of the last step
  if (T == 0) {
    std::memcpy(hn, h0, size_t(B * H) * sizeof(float));
    if (lstm) std::memcpy(cn, c0, size_t(B * H) * sizeof(float));
    return;
  }
  std::memcpy(hn, y + tl * B * H, size_t(B * H) * sizeof(float));
  if (lstm)
    for (int64_t b = 0; b < B; ++b)
      std::memcpy(cn + b * H, reserve + (tl * B + b) * S + 4 * H, size_t(H) * sizeof(float));
}

void rnn_backward(TF_RNN_BACKWARD_ARGS) {
  const int64_t G = rnn_gates(mode), GH = G * H, S = rnn_reserve_width(mode, H);
  const bool lstm = mode == kLstm, gru = mode == kGru;
  // dG: pre-activation gate gradients of the input projection [T, B, GH]; for GRU the
  // recurrent projection's differ in the n slot (r * dn), kept in dGh.
  thread_local std::vector<float> dG_buf, dGh_buf;
  dG_buf.resize(size_t(T * B * GH));
  if (gru) dGh_buf.resize(size_t(T * B * GH));
  float* dG = dG_buf.data();
  float* dGh = gru ? dGh_buf.data() : dG;
  // dh0/dc0 carry dh/dc from step to step and end up holding the initial-state gradients.
  std::memcpy(dh0, dhn, size_t(B * H) * sizeof(float));
  if (lstm) std::memcpy(dc0, dcn, size_t(B * H) * sizeof(float));

  for (int64_t s = T - 1; s >= 0; --s) {
    const int64_t t = reverse ? T - 1 - s : s, tp = reverse ? t + 1 : t - 1;
    const float* hp = s == 0 ? h0 : y + tp * B * H;
    const float* cp = lstm ? (s == 0 ? c0 : reserve + tp * B * S + 4 * H) : nullptr;
    const int64_t ldcp = s == 0 ? H : S;
    const float* yt = y + t * B * H;
    const float* dyt = dy + t * B * H;
    const float* rt = reserve + t * B * S;
    float* dGt = dG + t * B * GH;
    float* dGht = dGh + t * B * GH;
    parallel_for(B, row_grain(GH), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        float* dhb = dh0 + b * H;  // in: dh from step t+1; GRU out: z * dh
        const float* dyb = dyt + b * H;
        float* d = dGt + b * GH;
        if (mode == kRnnTanh || mode == kRnnRelu) {
          const float* yb = yt + b * H;
          row_loop(H, [&](int64_t j, auto v) {
            auto dh = ld(dyb + j, v) + ld(dhb + j, v), yv = ld(yb + j, v);
            st(d + j, mode == kRnnTanh ? dh * (1.0f - yv * yv) : relu_grad(yv, dh));
          });
        } else if (lstm) {
          const float* g = rt + b * S;
          const float* cb = cp + b * ldcp;
          float* dcb = dc0 + b * H;
          row_loop(H, [&](int64_t j, auto v) {
            auto i = ld(g + j, v), f = ld(g + H + j, v), gg = ld(g + 2 * H + j, v);
            auto o = ld(g + 3 * H + j, v), tc = tanh_(ld(g + 4 * H + j, v));
            auto dh = ld(dyb + j, v) + ld(dhb + j, v);
            auto dc = ld(dcb + j, v) + dh * o * (1.0f - tc * tc);
            st(d + j, dc * gg * i * (1.0f - i));
            st(d + H + j, dc * ld(cb + j, v) * f * (1.0f - f));
            st(d + 2 * H + j, dc * i * (1.0f - gg * gg));
            st(d + 3 * H + j, dh * tc * o * (1.0f - o));
            st(dcb + j, dc * f);
          });
        } else {
          const float* g = rt + b * S;
          const float* hpb = hp + b * H;
          float* dh_ = dGht + b * GH;
          row_loop(H, [&](int64_t j, auto v) {
            auto r = ld(g + j, v), z = ld(g + H + j, v), n = ld(g + 2 * H + j, v);
            auto hn_lin = ld(g + 3 * H + j, v);
            auto dh = ld(dyb + j, v) + ld(dhb + j, v);
            auto dn = dh * (1.0f - z) * (1.0f - n * n);
            auto dz = dh * (ld(hpb + j, v) - n) * z * (1.0f - z);
            auto dr = dn * hn_lin * r * (1.0f - r);
            st(d + j, dr); st(d + H + j, dz); st(d + 2 * H + j, dn);
            st(dh_ + j, dr); st(dh_ + H + j, dz); st(dh_ + 2 * H + j, dn * r);
            st(dhb + j, dh * z);
          });
        }
      }
    });
    // dh' = dGh[t] W_hh (+ z * dh for GRU, already in dh0)
    gemm(false, false, B, H, GH, dGht, GH, w_hh, H, gru ? 1.0f : 0.0f, dh0, H, nullptr);
  }

  // Whole-sequence GEMMs.
  if (dx) gemm(false, false, T * B, I, GH, dG, GH, w_ih, I, 0.0f, dx, I, nullptr);
  gemm(true, false, GH, I, T * B, dG, GH, x, I, 0.0f, dw_ih, I, nullptr);
  // dW_hh = sum_t dGh[t]^T h'(t): the first step's h' is h0, the others' are y rows.
  const int64_t t0 = reverse ? T - 1 : 0;
  gemm(true, false, GH, H, T > 0 ? B : 0, dGh + std::max<int64_t>(t0, 0) * B * GH, GH, h0, H,
       0.0f, dw_hh, H, nullptr);
  if (T > 1)
    gemm(true, false, GH, H, (T - 1) * B, dGh + (reverse ? 0 : B * GH), GH,
         y + (reverse ? B * H : 0), H, 1.0f, dw_hh, H, nullptr);
  if (db_ih) column_sums(db_ih, dG, T * B, GH);
  if (db_hh) {
    if (gru || !db_ih) column_sums(db_hh, dGh, T * B, GH);
    else std::memcpy(db_hh, db_ih, size_t(GH) * sizeof(float));
  }
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
