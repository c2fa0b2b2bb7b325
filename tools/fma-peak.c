// The machine's fp32 FMA peak as it runs now, per ISA: 12 independent FMA chains per thread
// (enough to cover 2 pipes x 4 cycles latency), 8 lanes (avx2) or 16 (avx512), GFLOP/s per
// thread, best of 5. `npm run bench -- gemm` builds and runs it in the same run as the GEMMs
// (their "% of FMA peak" is against this figure, with the ISA and threads the GEMM used);
// by hand: cc -O2 -pthread tools/fma-peak.c -o /tmp/fma-peak && /tmp/fma-peak 2 avx512
// The last line is the machine-readable one: "total: <GFLOP/s> GFLOP/s fp32 FMA peak with
// <threads> threads (<isa>)". The figure depends on the clock the host grants at the time.
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const long kIters = 50000000;

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

__attribute__((target("avx2,fma"))) static double peak_avx2(void) {
  __m256 a[12];
  const __m256 b = _mm256_set1_ps(1.0001f), c = _mm256_set1_ps(0.9999f);
  for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps((float)i);
  double best = 0;
  for (int r = 0; r < 5; r++) {
    const double t0 = seconds();
    for (long it = 0; it < kIters; it++) {
#pragma GCC unroll 12
      for (int i = 0; i < 12; i++) a[i] = _mm256_fmadd_ps(a[i], b, c);
    }
    const double gf = kIters * 12.0 * 16.0 / (seconds() - t0) / 1e9;
    if (gf > best) best = gf;
  }
  volatile float sink = 0;  // keeps the chains live
  for (int i = 0; i < 12; i++) sink += a[i][0];
  return best;
}

__attribute__((target("avx512f"))) static double peak_avx512(void) {
  __m512 a[12];
  const __m512 b = _mm512_set1_ps(1.0001f), c = _mm512_set1_ps(0.9999f);
  for (int i = 0; i < 12; i++) a[i] = _mm512_set1_ps((float)i);
  double best = 0;
  for (int r = 0; r < 5; r++) {
    const double t0 = seconds();
    for (long it = 0; it < kIters; it++) {
#pragma GCC unroll 12
      for (int i = 0; i < 12; i++) a[i] = _mm512_fmadd_ps(a[i], b, c);
    }
    const double gf = kIters * 12.0 * 32.0 / (seconds() - t0) / 1e9;
    if (gf > best) best = gf;
  }
  volatile float sink = 0;
  for (int i = 0; i < 12; i++) sink += a[i][0];
  return best;
}

static int use_avx512;

static void* run(void* out) {
  *(double*)out = use_avx512 ? peak_avx512() : peak_avx2();
  return NULL;
}

int main(int argc, char** argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 2;
  const char* isa = argc > 2 ? argv[2] : (__builtin_cpu_supports("avx512f") ? "avx512" : "avx2");
  if (n < 1 || n > 64) {
    fprintf(stderr, "fma-peak: threads must be 1..64, got %s\n", argv[1]);
    return 2;
  }
  if (strcmp(isa, "avx512") == 0) {
    if (!__builtin_cpu_supports("avx512f")) { fprintf(stderr, "fma-peak: this CPU has no AVX-512F\n"); return 2; }
    use_avx512 = 1;
  } else if (strcmp(isa, "avx2") == 0) {
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) { fprintf(stderr, "fma-peak: this CPU has no AVX2+FMA\n"); return 2; }
  } else {
    fprintf(stderr, "fma-peak: isa must be avx2 or avx512, got %s\n", isa);
    return 2;
  }
  pthread_t th[64];
  double gf[64], total = 0;
  for (int i = 0; i < n; i++) pthread_create(&th[i], NULL, run, &gf[i]);
  for (int i = 0; i < n; i++) {
    pthread_join(th[i], NULL);
    printf("thread %d: %.1f GFLOP/s\n", i, gf[i]);
    total += gf[i];
  }
  printf("total: %.1f GFLOP/s fp32 FMA peak with %d threads (%s)\n", total, n, isa);
  return 0;
}
