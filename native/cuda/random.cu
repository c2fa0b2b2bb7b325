// Counter-based randomness on the device: Philox4x32-10 exactly as cpu/random.cpp, so a
// given (seed, offset) draws the same numbers on both backends. (Dropout is composed from
// a Bernoulli fill and a multiply in lib/nn/functional.ts.)
#include <cmath>

#include "cpu/random.h"
#include "cuda/common.cuh"

namespace tf {
namespace cuda {

namespace {

struct U4 { uint32_t v[4]; };

__device__ __forceinline__ U4 philox(uint64_t counter, uint64_t key) {
  uint32_t c0 = uint32_t(counter), c1 = uint32_t(counter >> 32), c2 = 0, c3 = 0;
  uint32_t k0 = uint32_t(key), k1 = uint32_t(key >> 32);
#pragma unroll
  for (int r = 0; r < 10; ++r) {
    const uint32_t hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
    const uint32_t hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
    const uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return U4{{c0, c1, c2, c3}};
}

__device__ __forceinline__ float unit24(uint32_t x) { return float(x >> 8) * (1.0f / 16777216.0f); }

__global__ void random_kernel(void* y, int64_t n, int32_t kind, int32_t dtype, double p0, double p1, uint64_t seed,
                              uint64_t offset) {
  CUDA_KERNEL_LOOP(i, n) {
    const U4 r = philox(offset + uint64_t(i), seed);
    switch (kind) {
      case cpu::kUniform: {
        const float lo = float(p0), span = float(p1 - p0);
        const float v = lo + span * unit24(r.v[0]);
        static_cast<float*>(y)[i] = v < float(p1) ? v : lo;
        break;
      }
      case cpu::kNormal: {
        const double u1 = (double(r.v[0]) + 1.0) * (1.0 / 4294967296.0);
        const double u2 = double(r.v[1]) * (1.0 / 4294967296.0);
        const double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
        static_cast<float*>(y)[i] = float(p0 + p1 * z);
        break;
      }
      case cpu::kBernoulli: {
        const bool one = double(r.v[0]) * (1.0 / 4294967296.0) < p0;
        if (dtype == int32_t(DType::F32)) static_cast<float*>(y)[i] = one ? 1.0f : 0.0f;
        else if (dtype == int32_t(DType::I32)) static_cast<int32_t*>(y)[i] = one ? 1 : 0;
        else static_cast<uint8_t*>(y)[i] = one ? 1 : 0;
        break;
      }
      case cpu::kRandint: {
        const int64_t lo = int64_t(p0);
        const uint64_t span = uint64_t(int64_t(p1) - lo);
        const uint64_t x = (uint64_t(r.v[0]) << 32) | r.v[1];
        static_cast<int32_t*>(y)[i] = int32_t(lo + int64_t(x % span));
        break;
      }
      default: break;
    }
  }
}

}  // namespace

void random_fill(const TensorView& y, int32_t kind, double p0, double p1, uint64_t seed, uint64_t offset, Stream s) {
  const int64_t n = y.numel();
  if (n == 0) return;
  char* base = static_cast<char*>(y.data) + y.offset * int64_t(dtype_size(y.dtype));
  random_kernel<<<grid_for(n), kThreads, 0, s>>>(base, n, kind, int32_t(y.dtype), p0, p1, seed, offset);
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace tf
