// Kernel-level conv timings (thread CPU time, median of 7, AVX2 kernels): forward, input
// and weight gradients per algorithm the chooser picks, next to the bare GEMM of the forward.
// Thread CPU time is used because wall time is meaningless on a shared, loaded machine.
// Build + run: tools/dev/conv-bench.sh bench [threads]
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>
#include <algorithm>
#include "cpu/conv.h"
#include "cpu/gemm/gemm.h"
#include <ctime>
#include <functional>
#include "runtime/parallel.h"
#include "runtime/threadpool.h"
using namespace tf::cpu;
double ms_median(std::function<void()> f, int reps = 7) {
  f(); std::vector<double> t;
  auto now = [] { timespec ts; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6; };
  for (int i = 0; i < reps; ++i) { double a = now(); f(); t.push_back(now() - a); }
  std::sort(t.begin(), t.end()); return t[t.size() / 2];
}
int main(int argc, char** argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  tf::ThreadPool pool(threads); tf::ScopedPool sp(&pool);
  std::mt19937 rng(1); std::normal_distribution<float> nd;
  struct S { int64_t N, C, H, OC, K, g; } shapes[] = {{64, 1, 28, 6, 5, 1}, {64, 6, 14, 16, 5, 1}, {64, 32, 7, 64, 3, 1},{64, 3, 32, 32, 3, 1}, {64, 64, 16, 64, 3, 1}, {8, 16, 20, 20, 3, 1}, {64, 32, 32, 32, 3, 32}, {64, 64, 16, 128, 1, 1}};
  for (auto s : shapes) {
    Conv2dParams p; p.N = s.N; p.C = s.C; p.H = p.W = s.H; p.OC = s.OC; p.KH = p.KW = s.K; p.pad_h = p.pad_w = s.K / 2; p.groups = s.g;
    p.OH = p.OW = s.H; if (s.K == 5 && s.C == 6) { p.pad_h = p.pad_w = 0; p.OH = p.OW = s.H - 4; }
    std::vector<float> x(p.N * p.C * p.H * p.W), w(p.OC * p.C / p.groups * p.KH * p.KW), b(p.OC), y(p.N * p.OC * p.OH * p.OW), dx(x.size()), dw(w.size()), db(b.size());
    for (auto& v : x) v = nd(rng); for (auto& v : w) v = nd(rng); for (auto& v : y) v = nd(rng);
    double f = ms_median([&] { avx2::conv2d_forward(y.data(), x.data(), w.data(), b.data(), p, 0, -1); });
    double bi = ms_median([&] { avx2::conv2d_backward_input(dx.data(), y.data(), w.data(), p, -1); });
    double bw = ms_median([&] { avx2::conv2d_backward_weight(dw.data(), db.data(), y.data(), x.data(), p, -1); });
    std::vector<float> cbuf(p.C / p.groups * p.KH * p.KW * p.OH * p.OW);
    double gm = ms_median([&] { for (int64_t n = 0; n < p.N; ++n) for (int64_t g = 0; g < p.groups; ++g)
      avx2::sgemm(false, false, p.OC / p.groups, p.OH * p.OW, p.C / p.groups * p.KH * p.KW, 1.0f, w.data(), p.C / p.groups * p.KH * p.KW, cbuf.data(), p.OH * p.OW, 0.0f, y.data(), p.OH * p.OW, nullptr); });
    double gf = 2.0 * p.N * p.OC * p.OH * p.OW * (p.C / p.groups) * p.KH * p.KW / 1e9;
    std::printf("N%ld C%ld %ldx%ld OC%ld k%ld g%ld algo %d: fwd %.2f ms (%.0f GF/s)  bwd_in %.2f  bwd_w %.2f  fwd+bwd %.2f ms  (forward GEMM alone, one image at a time: %.2f ms)\n",
                long(p.N), long(p.C), long(p.H), long(p.H), long(p.OC), long(p.KH), long(p.groups), conv2d_choose(p), f, gf / f * 1e3, bi, bw, f + bi + bw, gm);
  }
}
