// The machine's fp32 FMA peak as it runs now: 12 independent 8-wide FMA chains per thread
// (enough to cover 2 pipes x 4 cycles latency), GFLOP/s per thread, best of 5.
// Build + run: tools/dev/run.sh fma-peak [threads]
// The GEMM's "% of peak" depends on the clock the host grants: on 2026-11-27 this printed
// 102 per core and 203 for 2 threads, against 231 measured earlier.
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const long kIters = 100000000;

static void* run(void* out) {
  __m256 a[12];
  const __m256 b = _mm256_set1_ps(1.0001f), c = _mm256_set1_ps(0.9999f);
  for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps((float)i);
  double best = 0;
  for (int r = 0; r < 5; r++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long it = 0; it < kIters; it++) {
#pragma GCC unroll 12
      for (int i = 0; i < 12; i++) a[i] = _mm256_fmadd_ps(a[i], b, c);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) * 1e-9;
    const double gf = kIters * 12.0 * 16.0 / s / 1e9;
    if (gf > best) best = gf;
  }
  volatile float sink = 0;  // keeps the chains live
  for (int i = 0; i < 12; i++) sink += a[i][0];
  *(double*)out = best;
  return NULL;
}

int main(int argc, char** argv) {
  const int n = argc > 1 ? atoi(argv[1]) : 2;
  pthread_t th[64];
  double gf[64];
  double total = 0;
  for (int i = 0; i < n && i < 64; i++) pthread_create(&th[i], NULL, run, &gf[i]);
  for (int i = 0; i < n && i < 64; i++) {
    pthread_join(th[i], NULL);
    printf("thread %d: %.1f GFLOP/s\n", i, gf[i]);
    total += gf[i];
  }
  printf("total: %.1f GFLOP/s fp32 FMA peak with %d threads\n", total, n);
  return 0;
}
