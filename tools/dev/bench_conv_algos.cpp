// Conv kernel timings per forced algorithm (im2col 1, implicit 4, Winograd 5): forward, input
// and weight gradients of a 3x3 padding-1 convolution, batch 64, AVX2 kernels, median of 9.
// One thread: thread CPU time (robust on a loaded machine); more: wall time.
// Build + run: tools/dev/conv-bench.sh algos C H OC [threads]   (e.g. 64 16 64 1)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <random>
#include <vector>

#include "cpu/conv.h"
#include "runtime/parallel.h"
#include "runtime/threadpool.h"
using namespace tf::cpu;

static bool cpu_clock = false;
double ms(const std::function<void()>& f, int reps = 9) {
  f();
  std::vector<double> t;
  auto now = [] {
    timespec ts;
    clock_gettime(cpu_clock ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
  };
  for (int i = 0; i < reps; ++i) { double a = now(); f(); t.push_back(now() - a); }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

int main(int argc, char** argv) {
  if (argc < 4) { std::fprintf(stderr, "usage: C H OC [threads]\n"); return 2; }
  const int64_t C = atol(argv[1]), H = atol(argv[2]), OC = atol(argv[3]);
  const int th = argc > 4 ? atoi(argv[4]) : 1;
  tf::ThreadPool pool(th);
  tf::ScopedPool sp(th > 1 ? &pool : nullptr);
  cpu_clock = th == 1;
  Conv2dParams p;
  p.N = 64; p.C = C; p.H = p.W = H; p.OC = OC; p.KH = p.KW = 3; p.pad_h = p.pad_w = 1; p.OH = p.OW = H;
  std::mt19937 rng(1);
  std::normal_distribution<float> nd;
  std::vector<float> x(static_cast<size_t>(p.N * C * H * H)), w(static_cast<size_t>(OC * C * 9));
  std::vector<float> b(static_cast<size_t>(OC)), y(static_cast<size_t>(p.N * OC * H * H));
  std::vector<float> dx(x.size()), dw(w.size()), db(b.size());
  for (auto& v : x) v = nd(rng);
  for (auto& v : w) v = nd(rng);
  for (auto& v : y) v = nd(rng);
  for (int a : {kConvIm2col, kConvImplicit, kConvWinograd}) {
    const double f = ms([&] { avx2::conv2d_forward(y.data(), x.data(), w.data(), b.data(), p, 0, a); });
    const double bi = ms([&] { avx2::conv2d_backward_input(dx.data(), y.data(), w.data(), p, a); });
    const double bw = ms([&] { avx2::conv2d_backward_weight(dw.data(), db.data(), y.data(), x.data(), p, a); });
    std::printf("%ldx%ldx%ld->%ld algo %d: fwd %.2f bwd_in %.2f bwd_w %.2f total %.2f ms\n", long(H), long(H), long(C),
                long(OC), a, f, bi, bw, f + bi + bw);
  }
}
