// Naive recurrent layers: one (t, b, gate) at a time, double accumulation, single thread.
#include <cmath>
#include <vector>

#include "cpu/rnn.h"

namespace tf {
namespace cpu {
namespace ref {

namespace {

double sigm(double v) { return 1.0 / (1.0 + std::exp(-v)); }

struct Step {  // everything one (t, b) of the forward pass produces
  std::vector<double> gates;  // activated gates [G*H] (RNN: the output)
  std::vector<double> hn_lin; // GRU: W_hn h' + b_hn [H]
  std::vector<double> h, c;   // [H]
};

// One cell update for one batch row: xr [I], hp/cp [H] -> st.
void cell(Step& st, const float* xr, const double* hp, const double* cp, const float* w_ih,
          const float* w_hh, const float* b_ih, const float* b_hh, int64_t I, int64_t H, int32_t mode) {
  const int64_t GH = rnn_gates(mode) * H;
  std::vector<double> xi(static_cast<size_t>(GH)), hh(static_cast<size_t>(GH));
  for (int64_t k = 0; k < GH; ++k) {
    double a = b_ih ? b_ih[k] : 0.0, h = b_hh ? b_hh[k] : 0.0;
    for (int64_t i = 0; i < I; ++i) a += double(w_ih[k * I + i]) * xr[i];
    for (int64_t j = 0; j < H; ++j) h += double(w_hh[k * H + j]) * hp[j];
    xi[size_t(k)] = a;
    hh[size_t(k)] = h;
  }
  st.gates.assign(static_cast<size_t>(GH), 0.0);
  st.h.assign(static_cast<size_t>(H), 0.0);
  st.c.assign(static_cast<size_t>(H), 0.0);
  st.hn_lin.assign(static_cast<size_t>(H), 0.0);
  auto& g = st.gates;
  for (int64_t j = 0; j < H; ++j) {
    size_t u = size_t(j), uH = size_t(H);
    if (mode == kRnnTanh || mode == kRnnRelu) {
      double a = xi[u] + hh[u];
      g[u] = st.h[u] = mode == kRnnTanh ? std::tanh(a) : (a > 0 ? a : 0.0);
    } else if (mode == kLstm) {
      g[u] = sigm(xi[u] + hh[u]);
      g[u + uH] = sigm(xi[u + uH] + hh[u + uH]);
      g[u + 2 * uH] = std::tanh(xi[u + 2 * uH] + hh[u + 2 * uH]);
      g[u + 3 * uH] = sigm(xi[u + 3 * uH] + hh[u + 3 * uH]);
      st.c[u] = g[u + uH] * cp[u] + g[u] * g[u + 2 * uH];
      st.h[u] = g[u + 3 * uH] * std::tanh(st.c[u]);
    } else {
      g[u] = sigm(xi[u] + hh[u]);
      g[u + uH] = sigm(xi[u + uH] + hh[u + uH]);
      st.hn_lin[u] = hh[u + 2 * uH];
      g[u + 2 * uH] = std::tanh(xi[u + 2 * uH] + g[u] * st.hn_lin[u]);
      st.h[u] = (1 - g[u + uH]) * g[u + 2 * uH] + g[u + uH] * hp[u];
    }
  }
}

// Runs the whole forward pass in double: steps[t][b].
std::vector<std::vector<Step>> run(const float* x, const float* h0, const float* c0,
                                   const float* w_ih, const float* w_hh, const float* b_ih,
                                   const float* b_hh, int64_t T, int64_t B, int64_t I, int64_t H,
                                   int32_t mode, bool reverse) {
  std::vector<std::vector<Step>> steps(static_cast<size_t>(T), std::vector<Step>(static_cast<size_t>(B)));
  for (int64_t s = 0; s < T; ++s) {
    int64_t t = reverse ? T - 1 - s : s, tp = reverse ? t + 1 : t - 1;
    for (int64_t b = 0; b < B; ++b) {
      std::vector<double> hp(static_cast<size_t>(H)), cp(static_cast<size_t>(H));
      for (int64_t j = 0; j < H; ++j) {
        hp[size_t(j)] = s == 0 ? h0[b * H + j] : steps[size_t(tp)][size_t(b)].h[size_t(j)];
        cp[size_t(j)] = mode != kLstm ? 0.0 : s == 0 ? c0[b * H + j] : steps[size_t(tp)][size_t(b)].c[size_t(j)];
      }
      cell(steps[size_t(t)][size_t(b)], x + (t * B + b) * I, hp.data(), cp.data(), w_ih, w_hh,
           b_ih, b_hh, I, H, mode);
    }
  }
  return steps;
}

}  // namespace

void rnn_forward(TF_RNN_FORWARD_ARGS) {
  const int64_t GH = rnn_gates(mode) * H, S = rnn_reserve_width(mode, H);
  auto steps = run(x, h0, c0, w_ih, w_hh, b_ih, b_hh, T, B, I, H, mode, reverse);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t b = 0; b < B; ++b) {
      const Step& st = steps[size_t(t)][size_t(b)];
      for (int64_t j = 0; j < H; ++j) y[(t * B + b) * H + j] = float(st.h[size_t(j)]);
      float* r = reserve + (t * B + b) * S;
      if (mode == kLstm || mode == kGru)
        for (int64_t k = 0; k < GH; ++k) r[k] = float(st.gates[size_t(k)]);
      for (int64_t j = 0; j < H; ++j) {
        if (mode == kLstm) r[4 * H + j] = float(st.c[size_t(j)]);
        if (mode == kGru) r[3 * H + j] = float(st.hn_lin[size_t(j)]);
      }
    }
  const int64_t tl = reverse ? 0 : T - 1;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < H; ++j) {
      hn[b * H + j] = T == 0 ? h0[b * H + j] : float(steps[size_t(tl)][size_t(b)].h[size_t(j)]);
      if (mode == kLstm) cn[b * H + j] = T == 0 ? c0[b * H + j] : float(steps[size_t(tl)][size_t(b)].c[size_t(j)]);
    }
}

// Reads the saved activations (y, reserve) like the fast kernel; the formulas are written
// per element from the cell equations, in double.
void rnn_backward(TF_RNN_BACKWARD_ARGS) {
  const int64_t GH = rnn_gates(mode) * H, S = rnn_reserve_width(mode, H);
  using D = std::vector<double>;
  D gdw_ih(static_cast<size_t>(GH * I)), gdw_hh(static_cast<size_t>(GH * H));
  D gdb_ih(static_cast<size_t>(GH)), gdb_hh(static_cast<size_t>(GH)), dgi(static_cast<size_t>(GH)), dgh(dgi);
  D carry_h(static_cast<size_t>(B * H)), carry_c(carry_h);
  for (int64_t k = 0; k < B * H; ++k) {
    carry_h[size_t(k)] = dhn[k];
    carry_c[size_t(k)] = mode == kLstm ? dcn[k] : 0.0;
  }
  for (int64_t s = T - 1; s >= 0; --s) {
    const int64_t t = reverse ? T - 1 - s : s, tp = reverse ? t + 1 : t - 1;
    for (int64_t b = 0; b < B; ++b) {
      const float* hp = s == 0 ? h0 + b * H : y + (tp * B + b) * H;
      const float* r = reserve + (t * B + b) * S;
      const float* yb = y + (t * B + b) * H;
      std::vector<double> zdh(static_cast<size_t>(H), 0.0);  // GRU: z * dh flows straight to h'
      for (int64_t j = 0; j < H; ++j) {
        double dh = double(dy[(t * B + b) * H + j]) + carry_h[size_t(b * H + j)];
        if (mode == kRnnTanh) {
          dgi[size_t(j)] = dh * (1.0 - double(yb[j]) * yb[j]);
        } else if (mode == kRnnRelu) {
          dgi[size_t(j)] = yb[j] > 0 ? dh : 0.0;
        } else if (mode == kLstm) {
          double i = r[j], f = r[H + j], g = r[2 * H + j], o = r[3 * H + j], c = r[4 * H + j];
          double cp = s == 0 ? c0[b * H + j] : reserve[(tp * B + b) * S + 4 * H + j];
          double tc = std::tanh(c);
          double dc = carry_c[size_t(b * H + j)] + dh * o * (1 - tc * tc);
          dgi[size_t(j)] = dc * g * i * (1 - i);
          dgi[size_t(H + j)] = dc * cp * f * (1 - f);
          dgi[size_t(2 * H + j)] = dc * i * (1 - g * g);
          dgi[size_t(3 * H + j)] = dh * tc * o * (1 - o);
          carry_c[size_t(b * H + j)] = dc * f;
        } else {
          double rr = r[j], z = r[H + j], n = r[2 * H + j], hl = r[3 * H + j];
          double dn = dh * (1 - z) * (1 - n * n);
          dgi[size_t(j)] = dn * hl * rr * (1 - rr);
          dgi[size_t(H + j)] = dh * (hp[j] - n) * z * (1 - z);
          dgi[size_t(2 * H + j)] = dn;
          dgh[size_t(j)] = dgi[size_t(j)];
          dgh[size_t(H + j)] = dgi[size_t(H + j)];
          dgh[size_t(2 * H + j)] = dn * rr;
          zdh[size_t(j)] = dh * z;
        }
      }
      if (mode != kGru) dgh = dgi;
      for (int64_t k = 0; k < GH; ++k) {
        gdb_ih[size_t(k)] += dgi[size_t(k)];
        gdb_hh[size_t(k)] += dgh[size_t(k)];
        for (int64_t i = 0; i < I; ++i) gdw_ih[size_t(k * I + i)] += dgi[size_t(k)] * x[(t * B + b) * I + i];
        for (int64_t j = 0; j < H; ++j) gdw_hh[size_t(k * H + j)] += dgh[size_t(k)] * hp[j];
      }
      for (int64_t i = 0; dx && i < I; ++i) {
        double a = 0;
        for (int64_t k = 0; k < GH; ++k) a += dgi[size_t(k)] * w_ih[k * I + i];
        dx[(t * B + b) * I + i] = float(a);
      }
      for (int64_t j = 0; j < H; ++j) {
        double a = zdh[size_t(j)];
        for (int64_t k = 0; k < GH; ++k) a += dgh[size_t(k)] * w_hh[k * H + j];
        carry_h[size_t(b * H + j)] = a;
      }
    }
  }
  for (int64_t k = 0; k < B * H; ++k) {
    dh0[k] = float(carry_h[size_t(k)]);
    if (mode == kLstm) dc0[k] = float(carry_c[size_t(k)]);
  }
  for (int64_t k = 0; k < GH * I; ++k) dw_ih[k] = float(gdw_ih[size_t(k)]);
  for (int64_t k = 0; k < GH * H; ++k) dw_hh[k] = float(gdw_hh[size_t(k)]);
  for (int64_t k = 0; k < GH; ++k) {
    if (db_ih) db_ih[k] = float(gdb_ih[size_t(k)]);
    if (db_hh) db_hh[k] = float(gdb_hh[size_t(k)]);
  }
}

}  // namespace ref
}  // namespace cpu
}  // namespace tf
