// Standalone check of native/cpu/rnn.cpp against native/cpu/ref/rnn_ref.cpp, plus a
// finite-difference check of the reference backward. Not part of the addon. Build & run:
//   objs=; for i in generic avx2; do f="-O2 -std=gnu++17 -Inative -Inative/include -DTF_ISA=$i";
//     [ $i = avx2 ] && f="$f -mavx2 -mfma"; for s in native/cpu/rnn.cpp native/cpu/gemm/gemm.cpp
//     native/cpu/gemm/pack.cpp native/cpu/gemm/ukernel_$i.cpp; do o=/tmp/$(basename $s .cpp)_$i.o;
//     g++ $f -c $s -o $o; objs="$objs $o"; done; done
//   g++ -O2 -std=gnu++17 -Inative -Inative/include native/dev/rnn_check.cpp
//     native/cpu/ref/rnn_ref.cpp native/runtime/threadpool.cpp $objs -o /tmp/rnn_check -pthread
//   /tmp/rnn_check   (also under valgrind: no errors)
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

#include "cpu/rnn.h"
#include "runtime/parallel.h"
#include "runtime/threadpool.h"

namespace tf { namespace cpu { namespace avx512 {
// Not built here; the dispatch table in rnn.h names it.
void rnn_forward(TF_RNN_FORWARD_ARGS) {}
void rnn_backward(TF_RNN_BACKWARD_ARGS) {}
}}}

using namespace tf::cpu;
using V = std::vector<float>;

static std::mt19937 rng(1234);
static V rnd(int64_t n, float scale = 0.5f) {
  std::uniform_real_distribution<float> u(-scale, scale);
  V v(static_cast<size_t>(n));
  for (auto& e : v) e = u(rng);
  return v;
}
static int failures = 0;
static void cmp(const char* what, const V& a, const V& b, double tol, const char* tag) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    double d = std::fabs(double(a[i]) - b[i]) / (1.0 + std::fabs(double(b[i])));
    if (!(d <= worst)) worst = d;
  }
  if (!(worst <= tol)) { ++failures; std::printf("  FAIL %s %s: max rel err %.3g\n", tag, what, worst); }
}

struct Case { int64_t T, B, I, H; int32_t mode; bool reverse, bias; };

static void check(const Case& c, int isa) {
  const int64_t T = c.T, B = c.B, I = c.I, H = c.H, GH = rnn_gates(c.mode) * H;
  const int64_t S = rnn_reserve_width(c.mode, H);
  const bool lstm = c.mode == kLstm;
  V x = rnd(T * B * I, 1.0f), h0 = rnd(B * H), c0 = rnd(B * H), wih = rnd(GH * I), whh = rnd(GH * H);
  V bih = rnd(GH), bhh = rnd(GH), dy = rnd(T * B * H), dhn = rnd(B * H), dcn = rnd(B * H);
  const float* pbi = c.bias ? bih.data() : nullptr;
  const float* pbh = c.bias ? bhh.data() : nullptr;
  auto fwd = isa == 1 ? avx2::rnn_forward : generic::rnn_forward;
  auto bwd = isa == 1 ? avx2::rnn_backward : generic::rnn_backward;
  V y(static_cast<size_t>(T * B * H)), hn(static_cast<size_t>(B * H)), cn(static_cast<size_t>(B * H)), rs(static_cast<size_t>(T * B * S));
  V ry = y, rhn = hn, rcn = cn, rrs = rs;
  fwd(y.data(), hn.data(), lstm ? cn.data() : nullptr, rs.data(), x.data(), h0.data(),
      lstm ? c0.data() : nullptr, wih.data(), whh.data(), pbi, pbh, T, B, I, H, c.mode, c.reverse);
  ref::rnn_forward(ry.data(), rhn.data(), lstm ? rcn.data() : nullptr, rrs.data(), x.data(), h0.data(),
                   lstm ? c0.data() : nullptr, wih.data(), whh.data(), pbi, pbh, T, B, I, H, c.mode, c.reverse);
  char tag[128];
  std::snprintf(tag, sizeof tag, "isa=%d mode=%d T=%ld B=%ld I=%ld H=%ld rev=%d bias=%d", isa, c.mode,
                long(T), long(B), long(I), long(H), int(c.reverse), int(c.bias));
  cmp("y", y, ry, 2e-5, tag); cmp("hn", hn, rhn, 2e-5, tag); cmp("cn", cn, rcn, 2e-5, tag);
  cmp("reserve", rs, rrs, 2e-5, tag);

  V dx(static_cast<size_t>(T * B * I)), dh0(static_cast<size_t>(B * H)), dc0(static_cast<size_t>(B * H)), dwih(static_cast<size_t>(GH * I)), dwhh(static_cast<size_t>(GH * H));
  V dbih(static_cast<size_t>(GH)), dbhh(static_cast<size_t>(GH));
  V rdx = dx, rdh0 = dh0, rdc0 = dc0, rdwih = dwih, rdwhh = dwhh, rdbih = dbih, rdbhh = dbhh;
  bwd(dx.data(), dh0.data(), lstm ? dc0.data() : nullptr, dwih.data(), dwhh.data(),
      c.bias ? dbih.data() : nullptr, c.bias ? dbhh.data() : nullptr, dy.data(), dhn.data(),
      lstm ? dcn.data() : nullptr, x.data(), h0.data(), lstm ? c0.data() : nullptr, wih.data(),
      whh.data(), y.data(), rs.data(), T, B, I, H, c.mode, c.reverse);
  ref::rnn_backward(rdx.data(), rdh0.data(), lstm ? rdc0.data() : nullptr, rdwih.data(), rdwhh.data(),
                    c.bias ? rdbih.data() : nullptr, c.bias ? rdbhh.data() : nullptr, dy.data(), dhn.data(),
                    lstm ? dcn.data() : nullptr, x.data(), h0.data(), lstm ? c0.data() : nullptr,
                    wih.data(), whh.data(), ry.data(), rrs.data(), T, B, I, H, c.mode, c.reverse);
  cmp("dx", dx, rdx, 1e-4, tag); cmp("dh0", dh0, rdh0, 1e-4, tag); cmp("dc0", dc0, rdc0, 1e-4, tag);
  cmp("dw_ih", dwih, rdwih, 1e-4, tag); cmp("dw_hh", dwhh, rdwhh, 1e-4, tag);
  cmp("db_ih", dbih, rdbih, 1e-4, tag); cmp("db_hh", dbhh, rdbhh, 1e-4, tag);

  // Finite differences of L = <dy,y> + <dhn,hn> + <dcn,cn> through the reference forward
  // (not for relu: a float32 step of 1e-2 crosses its kink).
  if (isa != 0 || T * B * (I + H) > 2000 || c.mode == kRnnRelu) return;
  auto loss = [&]() {
    V y2(y.size()), h2(hn.size()), c2(cn.size()), r2(rs.size());
    ref::rnn_forward(y2.data(), h2.data(), lstm ? c2.data() : nullptr, r2.data(), x.data(), h0.data(),
                     lstm ? c0.data() : nullptr, wih.data(), whh.data(), pbi, pbh, T, B, I, H, c.mode, c.reverse);
    double l = 0;
    for (size_t i = 0; i < y2.size(); ++i) l += double(dy[i]) * y2[i];
    for (size_t i = 0; i < h2.size(); ++i) l += double(dhn[i]) * h2[i];
    if (lstm) for (size_t i = 0; i < c2.size(); ++i) l += double(dcn[i]) * c2[i];
    return l;
  };
  auto fd = [&](const char* what, V& p, const V& g) {
    V num(p.size());
    for (size_t i = 0; i < p.size(); ++i) {
      float keep = p[i];
      p[i] = keep + 1e-2f; double lp = loss();
      p[i] = keep - 1e-2f; double lm = loss();
      p[i] = keep;
      num[i] = float((lp - lm) / 2e-2);
    }
    cmp(what, num, g, 2e-3, tag);
  };
  fd("fd dx", x, rdx); fd("fd dh0", h0, rdh0); fd("fd dw_ih", wih, rdwih); fd("fd dw_hh", whh, rdwhh);
  if (lstm) fd("fd dc0", c0, rdc0);
  if (c.bias) { fd("fd db_ih", bih, rdbih); fd("fd db_hh", bhh, rdbhh); }
}

int main() {
  tf::ThreadPool pool(2);
  tf::ScopedPool scoped(&pool);
  std::vector<Case> cases;
  for (int32_t mode = 0; mode < kNumRnnModes; ++mode)
    for (bool rev : {false, true})
      for (bool bias : {true, false}) {
        cases.push_back({5, 3, 7, 5, mode, rev, bias});
        cases.push_back({1, 1, 1, 1, mode, rev, bias});
        cases.push_back({3, 2, 4, 9, mode, rev, bias});
        cases.push_back({0, 2, 3, 4, mode, rev, bias});
        cases.push_back({2, 0, 3, 4, mode, rev, bias});
        cases.push_back({4, 3, 0, 4, mode, rev, bias});
        cases.push_back({7, 37, 19, 33, mode, rev, bias});
      }
  int n = 0;
  for (const Case& c : cases)
    for (int isa : {0, 1}) { check(c, isa); ++n; }
  std::printf("%d checks, %d failures\n", n, failures);
  return failures ? 1 : 0;
}
