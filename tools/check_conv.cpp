// Standalone kernel check for conv / pool / norm against the naive references, for
// development without the TS layer (the mocha tests are the permanent checks). Build + run:
//   tools/check_conv.sh     (compiles the kernels for generic and avx2, links, runs)
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "cpu/conv.h"
#include "cpu/norm.h"
#include "cpu/pool.h"
#include "cpu/ref/conv_ref.h"
#include "runtime/parallel.h"
#include "runtime/threadpool.h"

using tf::ScopedPool; using tf::ThreadPool;
using namespace tf::cpu;
using V = std::vector<float>;

static std::mt19937 rng(42);
static int failures = 0, checks = 0;

V randv(int64_t n) {
  std::normal_distribution<float> d(0.0f, 1.0f);
  V v(static_cast<size_t>(n));
  for (auto& x : v) x = d(rng);
  return v;
}

void expect_close(const V& got, const V& want, double tol, const std::string& what) {
  ++checks;
  double worst = 0, scale = 1e-6;
  for (float w : want) scale = std::max(scale, double(std::fabs(w)));
  for (size_t i = 0; i < got.size(); ++i) {
    double e = std::fabs(double(got[i]) - double(want[i])) / std::max(1.0, std::fabs(double(want[i])));
    if (!(e <= worst)) worst = std::isnan(e) ? 1e30 : e;
  }
  if (got.size() != want.size() || worst > tol) {
    ++failures;
    std::printf("FAIL %s: max rel err %.3g (size %zu vs %zu)\n", what.c_str(), worst, got.size(), want.size());
  }
}

struct Kernels {
  const char* name;
  decltype(&generic::conv2d_forward) fwd;
  decltype(&generic::conv2d_backward_input) bwd_in;
  decltype(&generic::conv2d_backward_weight) bwd_w;
  decltype(&generic::max_pool2d_forward) maxf;
  decltype(&generic::max_pool2d_backward) maxb;
  decltype(&generic::avg_pool2d_forward) avgf;
  decltype(&generic::avg_pool2d_backward) avgb;
  decltype(&generic::adaptive_avg_pool2d_forward) adf;
  decltype(&generic::adaptive_avg_pool2d_backward) adb;
  decltype(&generic::batch_norm_forward) bnf;
  decltype(&generic::batch_norm_backward) bnb;
  decltype(&generic::layer_norm_forward) lnf;
  decltype(&generic::layer_norm_backward) lnb;
};
#define ISA(ns) {#ns, ns::conv2d_forward, ns::conv2d_backward_input, ns::conv2d_backward_weight, \
  ns::max_pool2d_forward, ns::max_pool2d_backward, ns::avg_pool2d_forward, ns::avg_pool2d_backward, \
  ns::adaptive_avg_pool2d_forward, ns::adaptive_avg_pool2d_backward, ns::batch_norm_forward, \
  ns::batch_norm_backward, ns::layer_norm_forward, ns::layer_norm_backward}

double dotv(const V& a, const V& b) { double s = 0; for (size_t i = 0; i < a.size(); ++i) s += double(a[i]) * b[i]; return s; }

void check_conv(const Kernels& isa, Conv2dParams p) {
  p.OH = (p.H + 2 * p.pad_h - p.dil_h * (p.KH - 1) - 1) / p.stride_h + 1;
  p.OW = (p.W + 2 * p.pad_w - p.dil_w * (p.KW - 1) - 1) / p.stride_w + 1;
  const int64_t Cg = p.C / p.groups;
  V x = randv(p.N * p.C * p.H * p.W), w = randv(p.OC * Cg * p.KH * p.KW), b = randv(p.OC);
  V dy = randv(p.N * p.OC * p.OH * p.OW);
  V yr(dy.size()), dxr(x.size()), dwr(w.size()), dbr(b.size());
  ref::conv2d_forward(yr.data(), x.data(), w.data(), b.data(), p);
  ref::conv2d_backward_input(dxr.data(), dy.data(), w.data(), p);
  ref::conv2d_backward_weight(dwr.data(), dbr.data(), dy.data(), x.data(), p);
  V yrelu = yr;
  for (auto& v : yrelu) v = v > 0 ? v : 0;
  char tag[200];
  for (int32_t algo = -1; algo < kNumConvAlgos; ++algo) {
    if (algo >= 0 && !conv2d_algo_supports(p, algo)) continue;
    std::snprintf(tag, sizeof tag, "%s algo %d (auto=%d) N%ld C%ld %ldx%ld OC%ld k%ldx%ld s%ld p%ld d%ld g%ld",
                  isa.name, algo, conv2d_choose(p), long(p.N), long(p.C), long(p.H), long(p.W), long(p.OC),
                  long(p.KH), long(p.KW), long(p.stride_h), long(p.pad_h), long(p.dil_h), long(p.groups));
    V y(dy.size(), NAN), dx(x.size(), NAN), dw(w.size(), NAN), db(b.size(), NAN);
    isa.fwd(y.data(), x.data(), w.data(), b.data(), p, 0, algo);
    expect_close(y, yr, 1e-4, std::string(tag) + " forward");
    isa.fwd(y.data(), x.data(), w.data(), b.data(), p, 1, algo);
    expect_close(y, yrelu, 1e-4, std::string(tag) + " forward+relu");
    isa.bwd_in(dx.data(), dy.data(), w.data(), p, algo);
    expect_close(dx, dxr, 1e-4, std::string(tag) + " backward_input");
    isa.bwd_w(dw.data(), db.data(), dy.data(), x.data(), p, algo);
    // float32 sums over N*OH*OW terms: the error grows like the square root of their count.
    const double tol_w = 1e-5 + 5e-6 * std::sqrt(double(p.N * p.OH * p.OW));
    expect_close(dw, dwr, tol_w, std::string(tag) + " backward_weight");
    expect_close(db, dbr, tol_w, std::string(tag) + " backward_bias");
  }
}

void check_pool(const Kernels& isa, Pool2dParams p, bool ceil_mode) {
  auto out = [&](int64_t I, int64_t k, int64_t s, int64_t pad, int64_t d) {
    int64_t num = I + 2 * pad - d * (k - 1) - 1;
    int64_t o = (ceil_mode ? (num + s - 1) / s : num / s) + 1;
    if (ceil_mode && (o - 1) * s >= I + pad) --o;
    return o;
  };
  p.OH = out(p.H, p.KH, p.stride_h, p.pad_h, p.dil_h);
  p.OW = out(p.W, p.KW, p.stride_w, p.pad_w, p.dil_w);
  const int64_t NC = p.N * p.C, HW = p.H * p.W, OHW = p.OH * p.OW;
  V x = randv(NC * HW), dy = randv(NC * OHW), y(NC * OHW), yr(NC * OHW), dx(NC * HW);
  std::vector<int32_t> idx(size_t(NC * OHW)), idxr(size_t(NC * OHW));
  char tag[160];
  std::snprintf(tag, sizeof tag, "%s pool N%ld C%ld %ldx%ld k%ld s%ld p%ld d%ld ceil%d", isa.name, long(p.N), long(p.C),
                long(p.H), long(p.W), long(p.KH), long(p.stride_h), long(p.pad_h), long(p.dil_h), int(ceil_mode));
  ref::max_pool2d_forward(yr.data(), idxr.data(), x.data(), p.N, p.C, p.H, p.W, p.OH, p.OW, p.KH, p.KW,
                          p.stride_h, p.stride_w, p.pad_h, p.pad_w, p.dil_h, p.dil_w);
  isa.maxf(y.data(), idx.data(), x.data(), p);
  expect_close(y, yr, 0, std::string(tag) + " max forward");
  ++checks;
  if (idx != idxr) { ++failures; std::printf("FAIL %s max indices\n", tag); }
  isa.maxb(dx.data(), dy.data(), idx.data(), NC, HW, OHW);
  V dxr(NC * HW, 0.0f);
  for (int64_t i = 0; i < NC * OHW; ++i) dxr[(i / OHW) * HW + idxr[i]] += dy[i];
  expect_close(dx, dxr, 1e-6, std::string(tag) + " max backward");
  if (p.dil_h != 1 || p.dil_w != 1) return;
  for (int cip = 0; cip < 2; ++cip)
    for (int64_t div : {int64_t(0), int64_t(3)}) {
      p.count_include_pad = cip;
      p.divisor_override = div;
      ref::avg_pool2d_forward(yr.data(), x.data(), p.N, p.C, p.H, p.W, p.OH, p.OW, p.KH, p.KW, p.stride_h,
                              p.stride_w, p.pad_h, p.pad_w, cip, div);
      isa.avgf(y.data(), x.data(), p);
      expect_close(y, yr, 1e-5, std::string(tag) + " avg forward cip" + std::to_string(cip) + " div" + std::to_string(div));
      isa.avgb(dx.data(), dy.data(), p);  // adjoint: <avg(x), dy> == <x, avg^T(dy)>
      V one = {float(dotv(y, dy))}, two = {float(dotv(x, dx))};
      expect_close(one, two, 1e-4, std::string(tag) + " avg backward (adjoint)");
    }
}

void check_adaptive(const Kernels& isa, int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW) {
  V x = randv(NC * H * W), dy = randv(NC * OH * OW), y(NC * OH * OW), yr(NC * OH * OW), dx(NC * H * W);
  for (int64_t i = 0; i < NC; ++i)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        int64_t h0 = oh * H / OH, h1 = ((oh + 1) * H + OH - 1) / OH, w0 = ow * W / OW, w1 = ((ow + 1) * W + OW - 1) / OW;
        double s = 0;
        for (int64_t h = h0; h < h1; ++h) for (int64_t w = w0; w < w1; ++w) s += x[(i * H + h) * W + w];
        yr[(i * OH + oh) * OW + ow] = float(s / double((h1 - h0) * (w1 - w0)));
      }
  isa.adf(y.data(), x.data(), NC, H, W, OH, OW);
  std::string tag = std::string(isa.name) + " adaptive " + std::to_string(H) + "x" + std::to_string(W) + "->" +
                    std::to_string(OH) + "x" + std::to_string(OW);
  expect_close(y, yr, 1e-5, tag + " forward");
  isa.adb(dx.data(), dy.data(), NC, H, W, OH, OW);
  V one = {float(dotv(y, dy))}, two = {float(dotv(x, dx))};
  expect_close(one, two, 1e-4, tag + " backward (adjoint)");
}

void check_batch_norm(const Kernels& isa, int64_t N, int64_t C, int64_t HW) {
  const int64_t M = N * HW;
  V x = randv(N * C * HW), g = randv(C), b = randv(C), dy = randv(N * C * HW);
  for (auto& v : x) v = v * 3.0f + 5.0f;  // offset mean: the two-pass statistics matter
  V rm = randv(C), rv(C, 2.0f), y(x.size()), sm(C), si(C), dx(x.size()), dg(C), db(C);
  V rm0 = rm, rv0 = rv;
  isa.bnf(y.data(), sm.data(), si.data(), rm.data(), rv.data(), x.data(), g.data(), b.data(), N, C, HW, true, 0.1f, 1e-5f);
  isa.bnb(dx.data(), dg.data(), db.data(), dy.data(), x.data(), sm.data(), si.data(), g.data(), N, C, HW, true);
  V yr(x.size()), dxr(x.size()), dgr(C), dbr(C), rmr(C), rvr(C);
  for (int64_t c = 0; c < C; ++c) {
    double m = 0, v = 0;
    for (int64_t n = 0; n < N; ++n) for (int64_t i = 0; i < HW; ++i) m += x[(n * C + c) * HW + i];
    m /= M;
    for (int64_t n = 0; n < N; ++n) for (int64_t i = 0; i < HW; ++i) v += std::pow(x[(n * C + c) * HW + i] - m, 2);
    v /= M;
    double is = 1 / std::sqrt(v + 1e-5), sdy = 0, sdyh = 0;
    rmr[c] = float(0.9 * rm0[c] + 0.1 * m);
    rvr[c] = float(0.9 * rv0[c] + 0.1 * v * M / (M - 1));
    for (int64_t n = 0; n < N; ++n) for (int64_t i = 0; i < HW; ++i) {
      int64_t k = (n * C + c) * HW + i;
      double h = (x[k] - m) * is;
      yr[k] = float(h * g[c] + b[c]);
      sdy += dy[k]; sdyh += dy[k] * h;
    }
    dgr[c] = float(sdyh); dbr[c] = float(sdy);
    for (int64_t n = 0; n < N; ++n) for (int64_t i = 0; i < HW; ++i) {
      int64_t k = (n * C + c) * HW + i;
      double h = (x[k] - m) * is;
      dxr[k] = float(g[c] * is * (dy[k] - sdy / M - h * sdyh / M));
    }
  }
  std::string tag = std::string(isa.name) + " batchnorm N" + std::to_string(N) + " C" + std::to_string(C) + " HW" + std::to_string(HW);
  expect_close(y, yr, 1e-4, tag + " y");
  expect_close(rm, rmr, 1e-5, tag + " running_mean");
  expect_close(rv, rvr, 1e-5, tag + " running_var");
  expect_close(dx, dxr, 1e-3, tag + " dx");
  expect_close(dg, dgr, 1e-3, tag + " dgamma");
  expect_close(db, dbr, 1e-4, tag + " dbeta");
  // eval mode: uses (and keeps) the running stats.
  V rm1 = rm, rv1 = rv;
  isa.bnf(y.data(), sm.data(), si.data(), rm.data(), rv.data(), x.data(), g.data(), b.data(), N, C, HW, false, 0.1f, 1e-5f);
  isa.bnb(dx.data(), nullptr, nullptr, dy.data(), x.data(), sm.data(), si.data(), g.data(), N, C, HW, false);
  for (int64_t k = 0; k < N * C * HW; ++k) {
    int64_t c = (k / HW) % C;
    double is = 1 / std::sqrt(double(rv1[c]) + 1e-5);
    yr[k] = float((x[k] - rm1[c]) * is * g[c] + b[c]);
    dxr[k] = float(dy[k] * g[c] * is);
  }
  expect_close(y, yr, 1e-4, tag + " eval y");
  expect_close(dx, dxr, 1e-4, tag + " eval dx");
  expect_close(rm, rm1, 0, tag + " eval keeps running_mean");
}

void check_layer_norm(const Kernels& isa, int64_t M, int64_t D) {
  V x = randv(M * D), g = randv(D), b = randv(D), dy = randv(M * D);
  V y(x.size()), mu(M), rs(M), dx(x.size()), dg(D), db(D), yr(x.size()), dxr(x.size()), dgr(D, 0), dbr(D, 0);
  isa.lnf(y.data(), mu.data(), rs.data(), x.data(), g.data(), b.data(), M, D, 1e-5f);
  isa.lnb(dx.data(), dg.data(), db.data(), dy.data(), x.data(), mu.data(), rs.data(), g.data(), M, D);
  std::vector<double> gdg(D, 0), gdb(D, 0);
  for (int64_t r = 0; r < M; ++r) {
    double m = 0, v = 0, a = 0, c = 0;
    for (int64_t i = 0; i < D; ++i) m += x[r * D + i];
    m /= D;
    for (int64_t i = 0; i < D; ++i) v += std::pow(x[r * D + i] - m, 2);
    v /= D;
    double is = 1 / std::sqrt(v + 1e-5);
    for (int64_t i = 0; i < D; ++i) {
      double h = (x[r * D + i] - m) * is, gd = dy[r * D + i] * g[i];
      yr[r * D + i] = float(h * g[i] + b[i]);
      a += gd; c += gd * h;
      gdg[i] += dy[r * D + i] * h; gdb[i] += dy[r * D + i];
    }
    for (int64_t i = 0; i < D; ++i) {
      double h = (x[r * D + i] - m) * is;
      dxr[r * D + i] = float(is * (dy[r * D + i] * g[i] - a / D - h * c / D));
    }
  }
  for (int64_t i = 0; i < D; ++i) { dgr[i] = float(gdg[i]); dbr[i] = float(gdb[i]); }
  std::string tag = std::string(isa.name) + " layernorm M" + std::to_string(M) + " D" + std::to_string(D);
  expect_close(y, yr, 1e-4, tag + " y");
  expect_close(dx, dxr, 1e-3, tag + " dx");
  expect_close(dg, dgr, 1e-3, tag + " dgamma");
  expect_close(db, dbr, 1e-4, tag + " dbeta");
}

int main() {
  ThreadPool pool2(2);
  const Kernels isas[] = {ISA(generic), ISA(avx2)};
  for (int threads : {1, 2}) {
    ScopedPool sp(threads == 2 ? &pool2 : nullptr);
    for (const Kernels& isa : isas) {
      auto conv = [&](int64_t N, int64_t C, int64_t H, int64_t W, int64_t OC, int64_t K, int64_t s, int64_t pd,
                      int64_t d, int64_t g, int64_t KW = 0, int64_t sw = 0) {
        Conv2dParams p;
        p.N = N; p.C = C; p.H = H; p.W = W; p.OC = OC; p.KH = K; p.KW = KW ? KW : K;
        p.stride_h = s; p.stride_w = sw ? sw : s; p.pad_h = pd; p.pad_w = pd; p.dil_h = d; p.dil_w = d; p.groups = g;
        check_conv(isa, p);
      };
      conv(2, 3, 7, 9, 5, 3, 1, 1, 1, 1);      // odd sizes, pad 1
      conv(3, 4, 11, 10, 6, 3, 2, 1, 1, 1);    // stride 2
      conv(2, 3, 9, 9, 4, 3, 1, 2, 2, 1);      // dilation 2
      conv(2, 4, 8, 7, 6, 3, 1, 1, 1, 2);      // groups 2
      conv(2, 6, 9, 8, 6, 3, 1, 1, 1, 6);      // depthwise
      conv(2, 4, 9, 8, 8, 5, 2, 2, 1, 4);      // depthwise, multiplier 2, stride 2
      conv(1, 3, 6, 5, 7, 1, 1, 0, 1, 1);      // 1x1, batch 1
      conv(5, 8, 4, 4, 6, 1, 1, 0, 1, 2);      // 1x1 groups 2
      conv(2, 3, 8, 8, 4, 1, 2, 1, 1, 1);      // 1x1 stride 2 pad 1 (im2col)
      conv(2, 2, 1, 17, 3, 1, 2, 1, 1, 1, 5);  // conv1d: H 1, kernel 1x5, stride 2
      conv(1, 1, 5, 5, 3, 7, 1, 3, 1, 1);      // kernel wider than input
      conv(4, 16, 10, 10, 16, 3, 1, 1, 1, 1);  // threads split batch
      conv(1, 8, 3, 3, 4, 3, 1, 0, 1, 1);      // OH = OW = 1
      conv(2, 3, 7, 6, 4, 2, 3, 0, 1, 1, 3, 1); // asymmetric kernel and stride
      conv(1, 64, 64, 64, 8, 3, 1, 1, 1, 1);   // column tiles (Kg*OHW > one tile)
      conv(3, 5, 9, 8, 7, 3, 1, 0, 1, 1);      // 3x3 no padding, odd output height
      conv(2, 4, 6, 7, 3, 3, 1, 3, 1, 1);      // padding wider than the kernel (transpose pads -1)
      conv(3, 6, 11, 5, 9, 3, 1, 1, 1, 3);     // 3x3 groups 3
      Pool2dParams pp;
      auto pool = [&](int64_t N, int64_t C, int64_t H, int64_t W, int64_t k, int64_t s, int64_t pd, int64_t d, bool ceil) {
        pp.N = N; pp.C = C; pp.H = H; pp.W = W; pp.KH = pp.KW = k; pp.stride_h = pp.stride_w = s;
        pp.pad_h = pp.pad_w = pd; pp.dil_h = pp.dil_w = d;
        check_pool(isa, pp, ceil);
      };
      pool(2, 3, 8, 8, 2, 2, 0, 1, false);
      pool(2, 3, 7, 9, 3, 2, 1, 1, false);
      pool(1, 2, 7, 9, 3, 2, 1, 1, true);
      pool(2, 2, 10, 11, 3, 1, 1, 2, false);
      pool(1, 1, 5, 5, 2, 3, 1, 1, true);
      pool(3, 5, 1, 13, 1, 1, 0, 1, false);
      check_adaptive(isa, 6, 7, 9, 3, 4);
      check_adaptive(isa, 2, 5, 5, 1, 1);
      check_adaptive(isa, 2, 4, 6, 7, 9);
      check_batch_norm(isa, 4, 3, 25);
      check_batch_norm(isa, 7, 33, 1);
      check_batch_norm(isa, 2, 1, 3);
      check_batch_norm(isa, 16, 64, 37);
      check_layer_norm(isa, 5, 7);
      check_layer_norm(isa, 64, 129);
      check_layer_norm(isa, 1, 1);
    }
  }
  std::printf("%d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
