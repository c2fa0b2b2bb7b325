// Recurrent cells: fused LSTM / GRU gate math (one thread per hidden unit) and an LSTM layer
// whose input projection for all steps is one GEMM, then one GEMM + one gate kernel per step.
#include "cuda/common.cuh"

namespace tf {
namespace cuda {

namespace {

__device__ __forceinline__ float sigm(float x) { return 1.0f / (1.0f + expf(-x)); }

// act may alias gates (in place): each thread reads its 4 gates before writing them.
__global__ void lstm_fwd_kernel(float* h, float* c, float* act, const float* gates, const float* c_prev, int64_t B,
                                int64_t H) {
  CUDA_KERNEL_LOOP(e, B * H) {
    const int64_t b = e / H, j = e - b * H;
    const float* g = gates + b * 4 * H;
    const float i = sigm(g[j]), f = sigm(g[H + j]), gg = tanhf(g[2 * H + j]), o = sigm(g[3 * H + j]);
    const float cn = f * (c_prev ? c_prev[e] : 0.0f) + i * gg;
    c[e] = cn;
    h[e] = o * tanhf(cn);
    float* a = act + b * 4 * H;
    a[j] = i;
    a[H + j] = f;
    a[2 * H + j] = gg;
    a[3 * H + j] = o;
  }
}

__global__ void lstm_bwd_kernel(float* dgates, float* dc_prev, const float* dh, const float* dc, const float* act,
                                const float* c_prev, const float* c, int64_t B, int64_t H) {
  CUDA_KERNEL_LOOP(e, B * H) {
    const int64_t b = e / H, j = e - b * H;
    const float* a = act + b * 4 * H;
    const float i = a[j], f = a[H + j], gg = a[2 * H + j], o = a[3 * H + j];
    const float tc = tanhf(c[e]);
    const float dct = (dc ? dc[e] : 0.0f) + dh[e] * o * (1.0f - tc * tc);
    const float cp = c_prev ? c_prev[e] : 0.0f;
    float* d = dgates + b * 4 * H;
    d[j] = dct * gg * i * (1.0f - i);
    d[H + j] = dct * cp * f * (1.0f - f);
    d[2 * H + j] = dct * i * (1.0f - gg * gg);
    d[3 * H + j] = dh[e] * tc * o * (1.0f - o);
    dc_prev[e] = dct * f;
  }
}

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

__global__ void gru_bwd_kernel(float* dgx, float* dgh, float* dh_prev, const float* dh, const float* act,
                               const float* h_prev, int64_t B, int64_t H) {
  CUDA_KERNEL_LOOP(e, B * H) {
    const int64_t b = e / H, j = e - b * H;
    const float* a = act + b * 4 * H;
    const float r = a[j], z = a[H + j], n = a[2 * H + j], ghn = a[3 * H + j];
    const float g = dh[e];
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
    dh_prev[e] = g * z;  // plus dgh @ W_hh, added by the caller's GEMM
  }
}

}  // namespace

void lstm_cell_forward(float* h, float* c, float* act, const float* gates, const float* c_prev, int64_t B, int64_t H,
                       Stream s) {
  if (B * H == 0) return;
  lstm_fwd_kernel<<<grid_for(B * H), kThreads, 0, s>>>(h, c, act, gates, c_prev, B, H);
  CUDA_CHECK_LAUNCH();
}

void lstm_cell_backward(float* dgates, float* dc_prev, const float* dh, const float* dc, const float* act,
                        const float* c_prev, const float* c, int64_t B, int64_t H, Stream s) {
  if (B * H == 0) return;
  lstm_bwd_kernel<<<grid_for(B * H), kThreads, 0, s>>>(dgates, dc_prev, dh, dc, act, c_prev, c, B, H);
  CUDA_CHECK_LAUNCH();
}

void gru_cell_forward(float* h, float* act, const float* gx, const float* gh, const float* h_prev, int64_t B, int64_t H,
                      Stream s) {
  if (B * H == 0) return;
  gru_fwd_kernel<<<grid_for(B * H), kThreads, 0, s>>>(h, act, gx, gh, h_prev, B, H);
  CUDA_CHECK_LAUNCH();
}

void gru_cell_backward(float* dgx, float* dgh, float* dh_prev, const float* dh, const float* act, const float* h_prev,
                       int64_t B, int64_t H, Stream s) {
  if (B * H == 0) return;
  gru_bwd_kernel<<<grid_for(B * H), kThreads, 0, s>>>(dgx, dgh, dh_prev, dh, act, h_prev, B, H);
  CUDA_CHECK_LAUNCH();
}

void lstm_layer_forward(float* hs, float* cs, float* gates_ws, const float* x, const float* w_ih, const float* w_hh,
                        const float* bias, const float* h0, const float* c0, int64_t T, int64_t B, int64_t I, int64_t H,
                        int32_t precision, Stream s) {
  if (T == 0 || B == 0 || H == 0) return;
  const int64_t G = 4 * H;
  // All steps' input projections at once: gates[T*B, 4H] = x[T*B, I] W_ih^T + bias.
  cpu::GemmEpilogue ep;
  ep.bias = bias;
  ep.bias_kind = bias ? cpu::kBiasPerCol : cpu::kBiasNone;
  sgemm(false, true, T * B, G, I, 1.0f, x, I, w_ih, I, 0.0f, gates_ws, G, &ep, precision, s);
  for (int64_t t = 0; t < T; ++t) {
    float* g = gates_ws + t * B * G;
    const float* hp = t == 0 ? h0 : hs + (t - 1) * B * H;
    const float* cp = t == 0 ? c0 : cs + (t - 1) * B * H;
    if (hp) sgemm(false, true, B, G, H, 1.0f, hp, H, w_hh, H, 1.0f, g, G, nullptr, precision, s);
    lstm_cell_forward(hs + t * B * H, cs + t * B * H, g, g, cp, B, H, s);
  }
}

}  // namespace cuda
}  // namespace tf
