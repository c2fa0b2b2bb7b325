// Recurrent layers on the device with the CPU contract (cpu/rnn.h: one layer, one direction,
// sequence-major, the same reserve layout), built from SGEMM plus fused gate kernels: the
// input projection of all T steps is one GEMM, then a host loop over time enqueues per step
// one GEMM (h' W_hh^T + b_hh) and one gate kernel. Backward walks the steps in reverse with
// one gate kernel + one GEMM per step, then three GEMMs and two column sums for dx, dW, db.
#include "cpu/reduce.h"
#include "cpu/rnn.h"
#include "cuda/common.cuh"
#include "cuda/device.h"

namespace tf {
namespace cuda {

namespace {

__device__ __forceinline__ float sigm(float x) { return 1.0f / (1.0f + expf(-x)); }

// Elman step: y = act(gx + gh); gx/gh [B, H] pre-activations (biases included).
__global__ void rnn_fwd_kernel(float* y, const float* gx, const float* gh, int64_t n, bool relu) {
  CUDA_KERNEL_LOOP(e, n) {
    const float v = gx[e] + gh[e];
    y[e] = relu ? fmaxf(v, 0.0f) : tanhf(v);
  }
}

// LSTM step: gates = gx + gh ([B, 4H], order i f g o); res row [i f g o c] (5H);
// c_prev rows of stride cp_ld (c0: H, the previous step's reserve: 5H).
__global__ void lstm_fwd_kernel(float* h, float* res, const float* gx, const float* gh, const float* c_prev,
                                int64_t cp_ld, int64_t B, int64_t H) {
  CUDA_KERNEL_LOOP(e, B * H) {
    const int64_t b = e / H, j = e - b * H;
    const float* x = gx + b * 4 * H;
    const float* hh = gh + b * 4 * H;
    const float i = sigm(x[j] + hh[j]), f = sigm(x[H + j] + hh[H + j]);
    const float gg = tanhf(x[2 * H + j] + hh[2 * H + j]), o = sigm(x[3 * H + j] + hh[3 * H + j]);
    const float cn = f * c_prev[b * cp_ld + j] + i * gg;
    float* r = res + b * 5 * H;
    r[j] = i;
    r[H + j] = f;
    r[2 * H + j] = gg;
    r[3 * H + j] = o;
    r[4 * H + j] = cn;
    h[e] = o * tanhf(cn);
  }
}

// GRU step: act row [r z n gh_n] (4H) is the reserve row; gx = x W_ih^T + b_ih, gh = h' W_hh^T + b_hh.
__global__ void gru_fwd_kernel(float* h, float* act, const float* gx, const float* gh, const float* h_prev, int64_t B,
                               int64_t H) {
  CUDA_KERNEL_LOOP(e, B * H) {
    const int64_t b = e / H, j = e - b * H;
    const float* x = gx + b * 3 * H;
    const float* hh = gh + b * 3 * H;
    const float r = sigm(x[j] + hh[j]), z = sigm(x[H + j] + hh[H + j]);
    const float n = tanhf(x[2 * H + j] + r * hh[2 * H + j]);
    h[e] = (1.0f - z) * n + z * h_prev[e];
    float* a = act + b * 4 * H;
    a[j] = r;
    a[H + j] = z;
    a[2 * H + j] = n;
    a[3 * H + j] = hh[2 * H + j];
  }
}

// Backward steps: g = dh (carried from step t+1) + dy[t]. Each writes the gate gradients of
// step t and its own part of dh' in place (the caller's GEMM adds dgates W_hh).
__global__ void rnn_bwd_kernel(float* dg, float* dh, const float* dy, const float* y, int64_t n, bool relu) {
  CUDA_KERNEL_LOOP(e, n) {
    const float g = dh[e] + dy[e], v = y[e];
    dg[e] = relu ? (v > 0.0f ? g : 0.0f) : g * (1.0f - v * v);
  }
}

// dc: carried cell gradient, updated in place to dc'; c_prev as in lstm_fwd_kernel.
__global__ void lstm_bwd_kernel(float* dg, float* dc, const float* dh, const float* dy, const float* res,
                                const float* c_prev, int64_t cp_ld, int64_t B, int64_t H) {
  CUDA_KERNEL_LOOP(e, B * H) {
    const int64_t b = e / H, j = e - b * H;
    const float* r = res + b * 5 * H;
    const float i = r[j], f = r[H + j], gg = r[2 * H + j], o = r[3 * H + j], tc = tanhf(r[4 * H + j]);
    const float g = dh[e] + dy[e];
    const float dct = dc[e] + g * o * (1.0f - tc * tc);
    float* d = dg + b * 4 * H;
    d[j] = dct * gg * i * (1.0f - i);
    d[H + j] = dct * c_prev[b * cp_ld + j] * f * (1.0f - f);
    d[2 * H + j] = dct * i * (1.0f - gg * gg);
    d[3 * H + j] = g * tc * o * (1.0f - o);
    dc[e] = dct * f;
  }
}

// dgx/dgh: gradients of the x-side and h-side pre-activations (they differ in n: dn * r).
__global__ void gru_bwd_kernel(float* dgx, float* dgh, float* dh, const float* dy, const float* act,
                               const float* h_prev, int64_t B, int64_t H) {
  CUDA_KERNEL_LOOP(e, B * H) {
    const int64_t b = e / H, j = e - b * H;
    const float* a = act + b * 4 * H;
    const float r = a[j], z = a[H + j], n = a[2 * H + j], ghn = a[3 * H + j];
    const float g = dh[e] + dy[e];
    const float dn = g * (1.0f - z) * (1.0f - n * n);
    const float dz = g * (h_prev[e] - n) * z * (1.0f - z);
    const float dr = dn * ghn * r * (1.0f - r);
    float* x = dgx + b * 3 * H;
    float* hh = dgh + b * 3 * H;
    x[j] = dr;
    x[H + j] = dz;
    x[2 * H + j] = dn;
    hh[j] = dr;
    hh[H + j] = dz;
    hh[2 * H + j] = dn * r;
    dh[e] = g * z;
  }
}

// The allocator of the device the calling binding activated.
DeviceAllocator& current_allocator() {
  int d = 0;
  CUDA_CHECK(cudaGetDevice(&d));
  return device(d).allocator();
}

void copy_async(float* dst, const float* src, int64_t n, Stream s) {
  if (n > 0) CUDA_CHECK(cudaMemcpyAsync(dst, src, size_t(n) * sizeof(float), cudaMemcpyDeviceToDevice, s));
}

void zero_async(float* p, int64_t n, Stream s) {
  if (p && n > 0) CUDA_CHECK(cudaMemsetAsync(p, 0, size_t(n) * sizeof(float), s));
}

// db[GH] = column sums of g [M, GH] (reduce over a transposed view).
void column_sums(float* db, const float* g, int64_t M, int64_t GH, Stream s) {
  TensorView y, x;
  y.data = db;
  y.ndim = 1;
  y.shape[0] = GH;
  y.strides[0] = 1;
  x.data = const_cast<float*>(g);
  x.ndim = 2;
  x.shape[0] = GH;
  x.shape[1] = M;
  x.strides[0] = 1;
  x.strides[1] = GH;
  reduce(y, x, 1, cpu::kSum, 0.0, s);
}

}  // namespace

void rnn_forward(TF_RNN_FORWARD_ARGS, int32_t precision, Stream s) {
  const bool lstm = mode == cpu::kLstm;
  if (B * H == 0) return;
  if (T == 0) {  // the final state is the initial one
    copy_async(hn, h0, B * H, s);
    if (lstm) copy_async(cn, c0, B * H, s);
    return;
  }
  const int64_t GH = cpu::rnn_gates(mode) * H, S = cpu::rnn_reserve_width(mode, H);
  cpu::GemmEpilogue eih, ehh;
  eih.bias = b_ih;
  eih.bias_kind = b_ih ? cpu::kBiasPerCol : cpu::kBiasNone;
  ehh.bias = b_hh;
  ehh.bias_kind = b_hh ? cpu::kBiasPerCol : cpu::kBiasNone;
  DeviceAllocator& alloc = current_allocator();
  Scratch gx(alloc, size_t(T * B * GH)), gh(alloc, size_t(B * GH));
  // All steps' input projections at once: gx[T*B, GH] = x[T*B, I] W_ih^T + b_ih.
  sgemm(false, true, T * B, GH, I, 1.0f, x, I, w_ih, I, 0.0f, gx.get(), GH, &eih, precision, s);
  for (int64_t step = 0; step < T; ++step) {
    const int64_t t = reverse ? T - 1 - step : step, tp = reverse ? t + 1 : t - 1;
    const float* hp = step == 0 ? h0 : y + tp * B * H;
    sgemm(false, true, B, GH, H, 1.0f, hp, H, w_hh, H, 0.0f, gh.get(), GH, &ehh, precision, s);
    const float* gxt = gx.get() + t * B * GH;
    float* yt = y + t * B * H;
    if (lstm) {
      const float* cp = step == 0 ? c0 : reserve + tp * B * S + 4 * H;
      lstm_fwd_kernel<<<grid_for(B * H), kThreads, 0, s>>>(yt, reserve + t * B * S, gxt, gh.get(), cp,
                                                           step == 0 ? H : S, B, H);
    } else if (mode == cpu::kGru) {
      gru_fwd_kernel<<<grid_for(B * H), kThreads, 0, s>>>(yt, reserve + t * B * S, gxt, gh.get(), hp, B, H);
    } else {
      rnn_fwd_kernel<<<grid_for(B * H), kThreads, 0, s>>>(yt, gxt, gh.get(), B * H, mode == cpu::kRnnRelu);
    }
    CUDA_CHECK_LAUNCH();
  }
  const int64_t last = reverse ? 0 : T - 1;
  copy_async(hn, y + last * B * H, B * H, s);
  if (lstm)  // c of the last step: column block 4H..5H of its reserve rows
    CUDA_CHECK(cudaMemcpy2DAsync(cn, size_t(H) * 4, reserve + last * B * S + 4 * H, size_t(S) * 4, size_t(H) * 4,
                                 size_t(B), cudaMemcpyDeviceToDevice, s));
}

void rnn_backward(TF_RNN_BACKWARD_ARGS, int32_t precision, Stream s) {
  const bool lstm = mode == cpu::kLstm, gru = mode == cpu::kGru;
  const int64_t GH = cpu::rnn_gates(mode) * H, S = cpu::rnn_reserve_width(mode, H);
  if (B * H == 0 || T == 0) {  // no step: gradients pass through or are zero
    zero_async(dx, T * B * I, s);
    zero_async(dw_ih, GH * I, s);
    zero_async(dw_hh, GH * H, s);
    zero_async(db_ih, GH, s);
    zero_async(db_hh, GH, s);
    copy_async(dh0, dhn, B * H, s);
    if (lstm) copy_async(dc0, dcn, B * H, s);
    return;
  }
  DeviceAllocator& alloc = current_allocator();
  Scratch dg(alloc, size_t(T * B * GH)), dgh_gru(alloc, gru ? size_t(T * B * GH) : 1), hprev(alloc, size_t(T * B * H));
  float* dgh = gru ? dgh_gru.get() : dg.get();  // h-side gate gradients (= x-side but for GRU)
  // dh0 / dc0 carry dh and dc through the loop and end as the initial state's gradients.
  copy_async(dh0, dhn, B * H, s);
  if (lstm) copy_async(dc0, dcn, B * H, s);
  for (int64_t step = T - 1; step >= 0; --step) {
    const int64_t t = reverse ? T - 1 - step : step, tp = reverse ? t + 1 : t - 1;
    const float* hp = step == 0 ? h0 : y + tp * B * H;
    copy_async(hprev.get() + t * B * H, hp, B * H, s);  // for dW_hh below
    const float* dyt = dy + t * B * H;
    float* dgt = dg.get() + t * B * GH;
    float beta = 0.0f;  // GRU keeps its own part of dh' and adds the GEMM to it
    if (lstm) {
      const float* cp = step == 0 ? c0 : reserve + tp * B * S + 4 * H;
      lstm_bwd_kernel<<<grid_for(B * H), kThreads, 0, s>>>(dgt, dc0, dh0, dyt, reserve + t * B * S, cp,
                                                           step == 0 ? H : S, B, H);
    } else if (gru) {
      gru_bwd_kernel<<<grid_for(B * H), kThreads, 0, s>>>(dgt, dgh + t * B * GH, dh0, dyt, reserve + t * B * S, hp,
                                                          B, H);
      beta = 1.0f;
    } else {
      rnn_bwd_kernel<<<grid_for(B * H), kThreads, 0, s>>>(dgt, dh0, dyt, y + t * B * H, B * H,
                                                          mode == cpu::kRnnRelu);
    }
    CUDA_CHECK_LAUNCH();
    // dh' (+)= dgates_h[B, GH] W_hh[GH, H]
    sgemm(false, false, B, H, GH, 1.0f, dgh + t * B * GH, GH, w_hh, H, beta, dh0, H, nullptr, precision, s);
  }
  // Over all steps at once: dx = dg W_ih, dW_ih = dg^T x, dW_hh = dgh^T h', db = column sums.
  if (dx) sgemm(false, false, T * B, I, GH, 1.0f, dg.get(), GH, w_ih, I, 0.0f, dx, I, nullptr, precision, s);
  sgemm(true, false, GH, I, T * B, 1.0f, dg.get(), GH, x, I, 0.0f, dw_ih, I, nullptr, precision, s);
  sgemm(true, false, GH, H, T * B, 1.0f, dgh, GH, hprev.get(), H, 0.0f, dw_hh, H, nullptr, precision, s);
  if (db_ih) column_sums(db_ih, dg.get(), T * B, GH, s);
  if (db_hh) column_sums(db_hh, dgh, T * B, GH, s);
}

}  // namespace cuda
}  // namespace tf
