// Shared CUDA helpers for the kernel files: error checking that throws (never aborts),
// launch geometry and a strided-view indexer that mirrors cpu/strided.h on the device.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "cuda/device.h"
#include "cuda/kernels.h"
#include "tensorforge/view.h"

namespace tf {
namespace cuda {

// Throws CudaError naming the call site and the CUDA error string.
[[noreturn]] void throw_cuda_error(cudaError_t err, const char* what, const char* file, int line);

#define CUDA_CHECK(call)                                                        \
  do {                                                                          \
    cudaError_t err_ = (call);                                                  \
    if (err_ != cudaSuccess) ::tf::cuda::throw_cuda_error(err_, #call, __FILE__, __LINE__); \
  } while (0)

// After every kernel launch: reports bad launch configurations at once (faults inside a
// kernel surface at the next synchronizing call, e.g. reading data).
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())

constexpr int kThreads = 256;

inline unsigned int grid_for(int64_t n, int threads = kThreads) {
  int64_t b = (n + threads - 1) / threads;
  // NOTE: grid-stride loops cover the rest; 65535*8 blocks saturate any current GPU.
  return unsigned(b < 1 ? 1 : (b > 65535 * 8 ? 65535 * 8 : b));
}

#define CUDA_KERNEL_LOOP(i, n)                                                  \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n);     \
       i += int64_t(blockDim.x) * gridDim.x)

// Up to N operands over one shape, dims coalesced like cpu/strided.h. Offsets in elements.
template <int N>
struct StridedDesc {
  int ndim = 0;
  int64_t numel = 1;
  int64_t shape[kMaxDims];
  int64_t stride[N][kMaxDims];
  int64_t offset[N];
  bool contiguous = true;  // every operand dense in the same order

  __host__ explicit StridedDesc(const TensorView* const (&v)[N]) {
    const TensorView& y = *v[0];
    for (int k = 0; k < N; ++k) offset[k] = v[k]->offset;
    for (int d = 0; d < y.ndim; ++d) {
      numel *= y.shape[d];
      if (y.shape[d] == 1) continue;
      bool merge = ndim > 0;
      for (int k = 0; k < N && merge; ++k) merge = stride[k][ndim - 1] == v[k]->strides[d] * y.shape[d];
      if (merge) {
        shape[ndim - 1] *= y.shape[d];
        for (int k = 0; k < N; ++k) stride[k][ndim - 1] = v[k]->strides[d];
      } else {
        shape[ndim] = y.shape[d];
        for (int k = 0; k < N; ++k) stride[k][ndim] = v[k]->strides[d];
        ++ndim;
      }
    }
    if (ndim == 0) {
      ndim = 1;
      shape[0] = 1;
      for (int k = 0; k < N; ++k) stride[k][0] = 0;
    }
    for (int k = 0; k < N; ++k) contiguous = contiguous && ndim == 1 && stride[k][0] == 1;
  }

  // Element offsets of linear index i in every operand.
  __device__ __forceinline__ void offsets(int64_t i, int64_t (&o)[N]) const {
    for (int k = 0; k < N; ++k) o[k] = offset[k];
    if (contiguous) {
      for (int k = 0; k < N; ++k) o[k] += i;
      return;
    }
    for (int d = ndim - 1; d >= 0; --d) {
      int64_t c = i % shape[d];
      i /= shape[d];
      for (int k = 0; k < N; ++k) o[k] += c * stride[k][d];
    }
  }
};

__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}
__device__ __forceinline__ float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Block-wide sum/max for blockDim.x a multiple of 32 (<= 1024); result in every thread.
__device__ __forceinline__ float block_sum(float v) {
  __shared__ float sh[32];
  v = warp_sum(v);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
  __syncthreads();
  if (lane == 0) sh[warp] = v;
  __syncthreads();
  v = lane < nw ? sh[lane] : 0.0f;
  return warp_sum(v);
}
__device__ __forceinline__ float block_max(float v) {
  __shared__ float sh[32];
  v = warp_max(v);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
  __syncthreads();
  if (lane == 0) sh[warp] = v;
  __syncthreads();
  v = lane < nw ? sh[lane] : -INFINITY;
  return warp_max(v);
}

}  // namespace cuda
}  // namespace tf
