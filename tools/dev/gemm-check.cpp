// Standalone GEMM check and benchmark (not part of the addon build). Build and run:
//   tools/dev/run.sh gemm          (builds build/gemm-check, then runs `check` and `bench`)
//   build/gemm-check check         packed sgemm vs the naive reference, every ISA the CPU has
//   build/gemm-check bench [n...]  GFLOP/s per ISA at 1 and 2 threads (median of runs)
//   build/gemm-check bf16 [n...]   sbgemm vs float64 of the bf16-rounded inputs on every ISA
//                                  (and sbgemm_amx where usable), then sbgemm (and
//                                  sbgemm_amx) vs sgemm GFLOP/s at 2 threads
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpu/gemm/gemm.h"
#include "cpu/ref/gemm_ref.h"
#include "runtime/cpu_features.h"
#include "runtime/parallel.h"
#include "runtime/threadpool.h"

using namespace tf;
using namespace tf::cpu;

namespace {
using SgemmFn = decltype(&generic::sgemm);
using BatchedFn = decltype(&generic::sgemm_batched);
struct IsaEntry { const char* name; SgemmFn fn; BatchedFn batched; bool ok; };

std::vector<IsaEntry> isas() {
  __builtin_cpu_init();
  return {{"generic", generic::sgemm, generic::sgemm_batched, true},
          {"avx2", avx2::sgemm, avx2::sgemm_batched,
           __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")},
          {"avx512", avx512::sgemm, avx512::sgemm_batched,
           __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")}};
}

std::mt19937 rng(1234);
void fill(std::vector<float>& v) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  for (auto& x : v) x = d(rng);
}

int failures = 0, cases = 0;

// One case: random A, B, C (with padding columns to exercise ld > width), compare.
void check_case(const IsaEntry& isa, bool ta, bool tb, int64_t M, int64_t N, int64_t K,
                float alpha, float beta, int bias_kind, int act, int64_t batch = 1,
                bool bcast_b = false) {
  const int64_t pad = 3;
  const int64_t ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
  const int64_t lda = ac + pad, ldb = bc + pad, ldc = N + pad;
  const int64_t sa = ar * lda, sb = bcast_b ? 0 : br * ldb, sc = M * ldc;
  std::vector<float> A(size_t(std::max<int64_t>(1, sa * batch))), B(size_t(std::max<int64_t>(1, bcast_b ? br * ldb : sb * batch)));
  std::vector<float> C(size_t(std::max<int64_t>(1, sc * batch))), bias(size_t(std::max(M, N)) + 1);
  fill(A); fill(B); fill(C); fill(bias);
  if (beta == 0.0f) for (auto& x : C) x = NAN;  // beta == 0: C must be write-only
  std::vector<float> R = C;
  GemmEpilogue ep;
  ep.bias = bias_kind ? bias.data() : nullptr;
  ep.bias_kind = bias_kind;
  ep.act = act;
  if (batch == 1) {
    isa.fn(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc, &ep);
    ref::sgemm(ta, tb, M, N, K, alpha, A.data(), lda, B.data(), ldb, beta, R.data(), ldc, &ep);
  } else {
    isa.batched(batch, ta, tb, M, N, K, alpha, A.data(), lda, sa, B.data(), ldb, sb, beta, C.data(), ldc, sc, &ep);
    ref::sgemm_batched(batch, ta, tb, M, N, K, alpha, A.data(), lda, sa, B.data(), ldb, sb, beta, R.data(), ldc, sc, &ep);
  }
  ++cases;
  double worst = 0;
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < ldc; ++j) {
        const size_t at = size_t(b * sc + i * ldc + j);
        const float got = C[at], want = R[at];
        if (j >= N) {  // padding must be untouched
          if (std::memcmp(&got, &want, 4) != 0) worst = 1e30;
          continue;
        }
        const double tol = 1e-5 * (double(K) + 4) * (std::fabs(alpha) + 1) + 1e-5 * std::fabs(want);
        const double err = std::isnan(got) ? 1e30 : std::fabs(double(got) - double(want));
        if (err > tol) worst = std::max(worst, err / tol);
      }
  if (worst > 0) {
    ++failures;
    if (failures < 30)
      std::printf("FAIL %s ta=%d tb=%d M=%ld N=%ld K=%ld alpha=%g beta=%g bias=%d act=%d batch=%ld bcast=%d err/tol=%g\n",
                  isa.name, ta, tb, long(M), long(N), long(K), alpha, beta, bias_kind, act,
                  long(batch), bcast_b, worst);
  }
}

int run_check() {
  ThreadPool pool(2);
  ScopedPool sp(&pool);
  const int64_t sizes[] = {1, 2, 5, 6, 7, 8, 12, 13, 16, 17, 31, 32, 33, 64, 127, 128, 129};
  for (const auto& isa : isas()) {
    if (!isa.ok) { std::printf("%s: not supported by this CPU, skipped\n", isa.name); continue; }
    const int before = failures, cases0 = cases;
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      for (int64_t M : sizes)
        for (int64_t N : {int64_t(1), int64_t(7), int64_t(16), int64_t(33), int64_t(129)})
          for (int64_t K : {int64_t(1), int64_t(9), int64_t(64)}) check_case(isa, ta, tb, M, N, K, 1.0f, 0.0f, 0, 0);
      for (int64_t N : sizes) check_case(isa, ta, tb, 13, N, 17, 1.0f, 0.0f, 0, 0);
      // Blocking edges: around MR/NR multiples, KC (256/384), MC (96..192), NC (2048..3072).
      const int64_t big[][3] = {{255, 257, 255}, {513, 127, 385}, {193, 97, 513}, {6, 3100, 40},
                                {300, 2049, 20}, {145, 33, 257}, {1, 513, 300}, {513, 1, 300},
                                {64, 64, 0}, {0, 5, 5}, {5, 0, 5}, {97, 3073, 8}, {7, 7, 1025}};
      for (auto& s : big) check_case(isa, ta, tb, s[0], s[1], s[2], 1.0f, 0.0f, 0, 0);
      for (float alpha : {0.0f, -0.5f, 2.0f})
        for (float beta : {0.0f, 1.0f, 0.25f}) {
          check_case(isa, ta, tb, 37, 45, 300, alpha, beta, 0, 0);
          check_case(isa, ta, tb, 1, 45, 30, alpha, beta, 1, 1);
          check_case(isa, ta, tb, 37, 1, 30, alpha, beta, 2, 1);
        }
      for (int bk = 0; bk < 3; ++bk)
        for (int act = 0; act < 2; ++act)
          for (int64_t M : {1, 6, 13, 130})
            for (int64_t N : {1, 16, 37, 150}) check_case(isa, ta, tb, M, N, 270, 1.0f, bk ? 0.5f : 0.0f, bk, act);
      for (int64_t batch : {2, 3, 5}) {
        check_case(isa, ta, tb, 7, 9, 11, 1.0f, 0.0f, 1, 1, batch);
        check_case(isa, ta, tb, 70, 90, 110, 1.0f, 1.0f, 0, 0, batch, true);
        check_case(isa, ta, tb, 300, 260, 64, 1.0f, 0.0f, 2, 0, batch);
      }
    }
    std::printf("%s: %d cases, %d failed\n", isa.name, cases - cases0, failures - before);
  }
  return failures ? 1 : 0;
}

// sbgemm of every ISA against float64 products of bf16_round()ed operands.
int run_bf16_check() {
  ThreadPool pool(2);
  ScopedPool sp(&pool);
  using SbFn = decltype(&generic::sbgemm);
  const SbFn fns[] = {generic::sbgemm, avx2::sbgemm, avx512::sbgemm};
  const bool native[] = {generic::sbgemm_native(), avx2::sbgemm_native(), avx512::sbgemm_native()};
  const auto list = isas();
  struct SbEntry { const char* name; SbFn fn; const char* how; };
  std::vector<SbEntry> entries;
  for (size_t i = 0; i < list.size(); ++i)
    if (list[i].ok) entries.push_back({list[i].name, fns[i], native[i] ? "native" : "rounded + sgemm"});
  if (list[2].ok && amx_bf16_usable()) entries.push_back({"avx512", avx512::sbgemm_amx, "amx"});
  int bad = 0;
  for (const SbEntry& e : entries) {
    int n_cases = 0, n_bad = 0;
    const int64_t shapes[][3] = {{1, 1, 1}, {13, 17, 9}, {12, 32, 512}, {37, 45, 1025}, {130, 10, 256}, {129, 300, 515}, {7, 70, 3}};
    for (auto& s : shapes)
      for (int t = 0; t < 4; ++t) {
        const bool ta = t & 1, tb = t & 2;
        const int64_t M = s[0], N = s[1], K = s[2];
        std::vector<float> A(size_t(M * K)), B(size_t(K * N)), C(size_t(M * N)), bias(static_cast<size_t>(N));
        fill(A); fill(B); fill(C); fill(bias);
        GemmEpilogue ep;
        ep.bias = bias.data();
        ep.bias_kind = kBiasPerCol;
        ep.act = t == 3 ? kActRelu : kActNone;
        const float beta = t == 2 ? 0.5f : 0.0f;
        std::vector<float> C0 = C;
        e.fn(ta, tb, M, N, K, 1.5f, A.data(), ta ? M : K, B.data(), tb ? K : N, beta, C.data(), N, &ep);
        double worst = 0;
        for (int64_t r = 0; r < M; ++r)
          for (int64_t c = 0; c < N; ++c) {
            double acc = 0, mag = 0;
            for (int64_t k = 0; k < K; ++k) {
              const double a = bf16_round(ta ? A[size_t(k * M + r)] : A[size_t(r * K + k)]);
              const double b = bf16_round(tb ? B[size_t(c * K + k)] : B[size_t(k * N + c)]);
              acc += a * b;
              mag += std::fabs(a * b);
            }
            double want = 1.5 * acc + beta * C0[size_t(r * N + c)] + bias[size_t(c)];
            if (ep.act == kActRelu) want = std::max(want, 0.0);
            const double err = std::fabs(C[size_t(r * N + c)] - want), tol = 1e-6 * (1.5 * mag + 2) * std::sqrt(double(K) + 1);
            worst = std::max(worst, err / tol);
          }
        ++n_cases;
        if (worst > 1) {
          ++n_bad;
          std::printf("FAIL bf16 %s (%s) ta=%d tb=%d M=%ld N=%ld K=%ld err/tol=%g\n", e.name, e.how, ta, tb, long(M), long(N), long(K), worst);
        }
      }
    std::printf("%s bf16 (%s): %d cases, %d failed\n", e.name, e.how, n_cases, n_bad);
    bad += n_bad;
  }
  return bad ? 1 : 0;
}

// Median seconds of fn() over reps runs (after two warm-up runs).
template <class Fn>
double median_s(Fn fn, int reps) {
  std::vector<double> t;
  for (int r = 0; r < reps + 2; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  t.erase(t.begin(), t.begin() + 2);
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// avx512 sbgemm vs sgemm GFLOP/s, calls interleaved: shapes MxNxK (or n for square).
void run_bf16_bench(int argc, char** argv, int threads) {
  ThreadPool pool(threads);
  ScopedPool sp(&pool);
  const bool amx = amx_bf16_usable();
  std::printf("threads=%d avx512 sbgemm native=%d\n%14s %8s %8s %6s %8s %6s\n", threads, int(avx512::sbgemm_native()), "MxNxK", "fp32",
              "bf16", "ratio", "amx", "ratio");
  for (int i = 2; i < argc; ++i) {
    long M = 0, N = 0, K = 0;
    if (std::sscanf(argv[i], "%ldx%ldx%ld", &M, &N, &K) != 3) M = N = K = std::atol(argv[i]);
    std::vector<float> A(size_t(M * K)), B(size_t(K * N)), C(size_t(M * N));
    fill(A); fill(B);
    const double flops = 2.0 * M * N * K;
    const int reps = std::max(9, int(1e9 / flops));
    std::vector<double> f32, b16, tiles;
    for (int r = 0; r < 3; ++r) {  // alternate so machine load hits both alike
      f32.push_back(median_s([&] { avx512::sgemm(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C.data(), N, nullptr); }, reps));
      b16.push_back(median_s([&] { avx512::sbgemm(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C.data(), N, nullptr); }, reps));
      if (amx) tiles.push_back(median_s([&] { avx512::sbgemm_amx(false, false, M, N, K, 1.0f, A.data(), K, B.data(), N, 0.0f, C.data(), N, nullptr); }, reps));
    }
    std::sort(f32.begin(), f32.end());
    std::sort(b16.begin(), b16.end());
    std::sort(tiles.begin(), tiles.end());
    std::printf("%14s %8.1f %8.1f %6.2f", argv[i], flops / f32[1] / 1e9, flops / b16[1] / 1e9, f32[1] / b16[1]);
    if (amx) std::printf(" %8.1f %6.2f", flops / tiles[1] / 1e9, f32[1] / tiles[1]);
    std::printf("\n");
  }
}

double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// GFLOP/s by wall clock; with TF_BENCH_CPU=1, per CPU-second of the process (robust to a
// loaded machine: time other processes take is not counted) times the thread count.
double bench_one(SgemmFn fn, int64_t n, int threads) {
  const bool cpu = std::getenv("TF_BENCH_CPU") != nullptr;
  std::vector<float> A(size_t(n * n)), B(size_t(n * n)), C(size_t(n * n));
  fill(A); fill(B);
  ThreadPool pool(threads);
  ScopedPool sp(&pool);
  const double flops = 2.0 * double(n) * n * n;
  const int reps = std::max(3, int(2e9 / flops));
  std::vector<double> times;
  for (int r = 0; r < reps + 2; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_now();
    fn(false, false, n, n, n, 1.0f, A.data(), n, B.data(), n, 0.0f, C.data(), n, nullptr);
    times.push_back(cpu ? (cpu_now() - c0) / threads
                        : std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  times.erase(times.begin(), times.begin() + 2);  // warm-up
  std::sort(times.begin(), times.end());
  return flops / times[times.size() / 2] / 1e9;
}

int run_bench(int argc, char** argv) {
  std::vector<int64_t> ns;
  for (int i = 2; i < argc; ++i) ns.push_back(std::atol(argv[i]));
  if (ns.empty()) ns = {64, 128, 256, 512, 1024, 2048};
  std::printf("%-8s %6s %10s %10s\n", "isa", "n", "1 thread", "2 threads");
  for (const auto& isa : isas()) {
    if (!isa.ok) continue;
    for (int64_t n : ns)
      std::printf("%-8s %6ld %10.1f %10.1f\n", isa.name, long(n), bench_one(isa.fn, n, 1),
                  bench_one(isa.fn, n, 2));
  }
  return 0;
}
}  // namespace

extern "C" void tf_bench_sgemm(int isa, int threads, int ta, int tb, int64_t M, int64_t N,
                               int64_t K, const float* A, const float* B, float* C);

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "check";
  if (mode == "check") return run_check();
  if (mode == "bench") return run_bench(argc, argv);
  if (mode == "bf16") {
    if (argc > 2) return run_bf16_bench(argc, argv, 2), run_bf16_bench(argc, argv, 1), 0;
    return run_bf16_check();
  }
  if (mode == "prof" && argc >= 9) {  // prof isa threads M N K ta tb [reps]: a loop to profile
    const int isa = std::atoi(argv[2]), threads = std::atoi(argv[3]);
    const int64_t M = std::atol(argv[4]), N = std::atol(argv[5]), K = std::atol(argv[6]);
    const int ta = std::atoi(argv[7]), tb = std::atoi(argv[8]);
    const int reps = argc > 9 ? std::atoi(argv[9]) : 100;
    std::vector<float> A(size_t(M * K)), B(size_t(K * N)), C(size_t(M * N));
    fill(A); fill(B);
    const double c0 = cpu_now();
    const auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) tf_bench_sgemm(isa, threads, ta, tb, M, N, K, A.data(), B.data(), C.data());
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double flops = 2.0 * M * N * K * reps;
    std::printf("%.1f GFLOP/s wall, %.1f GFLOP per CPU-second\n", flops / wall / 1e9, flops / (cpu_now() - c0) / 1e9);
    return 0;
  }
  std::fprintf(stderr, "usage: gemm-check check | bench [n...]\n");
  return 2;
}

// C entry point for tools/dev/gemm-bench.py (ctypes), so ours and numpy run interleaved in
// one process: tf_bench_sgemm(isa 0..3, threads, ta, tb, M, N, K, A, B, C).
extern "C" void tf_bench_sgemm(int isa, int threads, int ta, int tb, int64_t M, int64_t N,
                               int64_t K, const float* A, const float* B, float* C) {
  static ThreadPool* pools[65] = {};
  if (threads < 1 || threads > 64) threads = 1;
  if (!pools[threads]) pools[threads] = new ThreadPool(threads);
  ScopedPool sp(pools[threads]);
  // isa 3: the avx512 variant's bf16 GEMM (sbgemm).
  const SgemmFn fn = isa == 3 ? avx512::sbgemm : isa == 2 ? avx512::sgemm : isa == 1 ? avx2::sgemm : generic::sgemm;
  fn(ta, tb, M, N, K, 1.0f, A, ta ? M : K, B, tb ? K : N, 0.0f, C, N, nullptr);
}
