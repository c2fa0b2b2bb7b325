// llm.c-style development driver for the GEMM variants (native/cuda/gemm.cuh): checks every
// numbered variant against a float64 CPU reference on small odd shapes and against the
// naive device kernel on large ones, then times each variant.
//   build-cmake/Release/tf_gemm_check [M N K]        (default: a sweep 1024..8192)
// Variants: 1 naive, 2 tiled SGEMM (fp32), 3 TF32 mma.sync. Promote a winner by making
// sgemm() in matmul.cu call it; keep the others here.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "cuda/common.cuh"
#include "cuda/kernels.h"

using namespace tf::cuda;

namespace {

void fill_random(std::vector<float>& v, uint32_t seed) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  for (float& x : v) x = d(g);
}

double rel_err(const std::vector<float>& a, const std::vector<double>& e) {
  double num = 0, den = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    num = std::fmax(num, std::fabs(double(a[i]) - e[i]));
    den = std::fmax(den, std::fabs(e[i]));
  }
  return den > 0 ? num / den : num;
}

// C = op(A) op(B), row-major, on the host in float64.
std::vector<double> ref_gemm(bool ta, bool tb, int M, int N, int K, const std::vector<float>& A,
                             const std::vector<float>& B) {
  std::vector<double> C(size_t(M) * N, 0.0);
  for (int m = 0; m < M; ++m)
    for (int k = 0; k < K; ++k) {
      const double a = ta ? A[size_t(k) * M + m] : A[size_t(m) * K + k];
      for (int n = 0; n < N; ++n) C[size_t(m) * N + n] += a * (tb ? B[size_t(n) * K + k] : B[size_t(k) * N + n]);
    }
  return C;
}

struct Dev {
  float *A = nullptr, *B = nullptr, *C = nullptr;
  Dev(size_t a, size_t b, size_t c) {
    CUDA_CHECK(cudaMalloc(&A, a * 4));
    CUDA_CHECK(cudaMalloc(&B, b * 4));
    CUDA_CHECK(cudaMalloc(&C, c * 4));
  }
  ~Dev() { cudaFree(A); cudaFree(B); cudaFree(C); }
};

bool check_small(cudaStream_t s) {
  const int shapes[][3] = {{1, 1, 1}, {7, 5, 3}, {33, 65, 17}, {128, 128, 128}, {257, 263, 271}, {1000, 7, 513}};
  bool ok = true;
  for (auto& sh : shapes) {
    const int M = sh[0], N = sh[1], K = sh[2];
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      std::vector<float> A(size_t(M) * K), B(size_t(K) * N), C(size_t(M) * N);
      fill_random(A, 1 + t);
      fill_random(B, 7 + t);
      auto E = ref_gemm(ta, tb, M, N, K, A, B);
      Dev d(A.size(), B.size(), C.size());
      CUDA_CHECK(cudaMemcpy(d.A, A.data(), A.size() * 4, cudaMemcpyHostToDevice));
      CUDA_CHECK(cudaMemcpy(d.B, B.data(), B.size() * 4, cudaMemcpyHostToDevice));
      for (int v = 1; v <= 3; ++v) {
        sgemm_variant(v, ta, tb, M, N, K, 1.0f, d.A, ta ? M : K, d.B, tb ? K : N, 0.0f, d.C, N, s);
        CUDA_CHECK(cudaStreamSynchronize(s));
        CUDA_CHECK(cudaMemcpy(C.data(), d.C, C.size() * 4, cudaMemcpyDeviceToHost));
        const double err = rel_err(C, E), tol = v == 3 ? 5e-3 : 1e-5;
        const bool pass = err < tol;
        ok = ok && pass;
        std::printf("check v%d %4dx%4dx%4d ta=%d tb=%d rel_err %.2e %s\n", v, M, N, K, ta, tb, err, pass ? "ok" : "FAIL");
      }
    }
  }
  return ok;
}

void time_size(int M, int N, int K, cudaStream_t s) {
  std::vector<float> A(size_t(M) * K), B(size_t(K) * N);
  fill_random(A, 3);
  fill_random(B, 4);
  Dev d(A.size(), B.size(), size_t(M) * N);
  CUDA_CHECK(cudaMemcpy(d.A, A.data(), A.size() * 4, cudaMemcpyHostToDevice));
  CUDA_CHECK(cudaMemcpy(d.B, B.data(), B.size() * 4, cudaMemcpyHostToDevice));
  cudaEvent_t e0, e1;
  CUDA_CHECK(cudaEventCreate(&e0));
  CUDA_CHECK(cudaEventCreate(&e1));
  for (int v = 2; v <= 3; ++v) {
    sgemm_variant(v, false, false, M, N, K, 1.0f, d.A, K, d.B, N, 0.0f, d.C, N, s);  // warm-up
    const int reps = M >= 4096 ? 5 : 20;
    CUDA_CHECK(cudaEventRecord(e0, s));
    for (int r = 0; r < reps; ++r) sgemm_variant(v, false, false, M, N, K, 1.0f, d.A, K, d.B, N, 0.0f, d.C, N, s);
    CUDA_CHECK(cudaEventRecord(e1, s));
    CUDA_CHECK(cudaEventSynchronize(e1));
    float ms = 0;
    CUDA_CHECK(cudaEventElapsedTime(&ms, e0, e1));
    const double tflops = 2.0 * M * N * double(K) * reps / (ms * 1e-3) / 1e12;
    std::printf("time  v%d %5dx%5dx%5d %8.3f ms  %7.2f TFLOP/s\n", v, M, N, K, ms / reps, tflops);
  }
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto& st = driver_status();
    if (!st.ok) {
      std::printf("CUDA unavailable: %s\n", st.reason.c_str());
      return 2;
    }
    cudaStream_t s;
    CUDA_CHECK(cudaStreamCreate(&s));
    const bool ok = check_small(s);
    if (argc == 4) {
      time_size(std::atoi(argv[1]), std::atoi(argv[2]), std::atoi(argv[3]), s);
    } else {
      for (int n : {1024, 2048, 4096, 8192}) time_size(n, n, n, s);
    }
    std::printf("%s\n", ok ? "ALL VARIANTS OK" : "SOME VARIANTS FAILED");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::printf("error: %s\n", e.what());
    return 1;
  }
}
