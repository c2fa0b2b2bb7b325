// Reductions over the trailing dims of a strided view: one block per output element,
// threads stride over the reduced elements, a shared-memory tree combines them.
#include <cmath>
#include <type_traits>

#include "cpu/reduce.h"
#include "cuda/common.cuh"
#include "tensorforge/int_math.h"

namespace tf {
namespace cuda {

using namespace ::tf::cpu;  // op codes (cpu/reduce.h)

namespace {

constexpr int kReduceThreads = 256;

// x's kept dims (the first nkept) and reduced dims (the rest), with y's strides for kept dims.
struct ReduceDesc {
  int nkept = 0, nred = 0;
  int64_t outer = 1, inner = 1;
  int64_t kshape[kMaxDims], kstride_x[kMaxDims], kstride_y[kMaxDims];
  int64_t rshape[kMaxDims], rstride[kMaxDims];
  int64_t x_offset = 0, y_offset = 0;

  __device__ __forceinline__ void row_offsets(int64_t r, int64_t* ox, int64_t* oy) const {
    int64_t a = x_offset, b = y_offset;
    for (int d = nkept - 1; d >= 0; --d) {
      int64_t c = r % kshape[d];
      r /= kshape[d];
      a += c * kstride_x[d];
      b += c * kstride_y[d];
    }
    *ox = a;
    *oy = b;
  }
  __device__ __forceinline__ int64_t inner_offset(int64_t j) const {
    if (nred == 1) return j * rstride[0];
    int64_t a = 0;
    for (int d = nred - 1; d >= 0; --d) {
      int64_t c = j % rshape[d];
      j /= rshape[d];
      a += c * rstride[d];
    }
    return a;
  }
};

// Combine (value, index) pairs; NaN wins, ties keep the lower index.
template <typename Acc>
struct Pair { Acc v; int64_t i; };

template <typename Acc>
__device__ __forceinline__ bool is_nan(Acc v) { return v != v; }

template <typename Acc>
__device__ __forceinline__ Pair<Acc> combine(int32_t op, Pair<Acc> a, Pair<Acc> b) {
  switch (op) {
    case kSum:
    case kMean:
      if constexpr (std::is_integral<Acc>::value) return {i32_add(a.v, b.v), 0};  // wraps like the CPU
      else return {a.v + b.v, 0};
    case kProd:
      if constexpr (std::is_integral<Acc>::value) return {i32_mul(a.v, b.v), 0};
      else return {a.v * b.v, 0};
    case kMax:
    case kMin: {
      if (is_nan(a.v)) return a;
      if (is_nan(b.v)) return b;
      return (op == kMax ? b.v > a.v : b.v < a.v) ? b : a;
    }
    default: {  // argmax / argmin
      if (b.i < 0) return a;
      if (a.i < 0) return b;
      bool an = is_nan(a.v), bn = is_nan(b.v);
      if (an || bn) return (an && (!bn || a.i < b.i)) ? a : b;
      bool better = op == kArgmax ? b.v > a.v : b.v < a.v;
      return (better || (b.v == a.v && b.i < a.i)) ? b : a;
    }
  }
}

template <typename Acc>
__device__ __forceinline__ Pair<Acc> identity(int32_t op) {
  switch (op) {
    case kProd: return {Acc(1), 0};
    case kMax:
    case kMin:
    case kArgmax:
    case kArgmin: return {Acc(0), -1};  // "empty": replaced by the first element seen
    default: return {Acc(0), 0};
  }
}

// Block-wide double sum through shared scratch; result in every thread.
__device__ __forceinline__ double block_sum_d(double v, double* sd) {
  __syncthreads();
  sd[threadIdx.x] = v;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) sd[threadIdx.x] += sd[threadIdx.x + w];
    __syncthreads();
  }
  return sd[0];
}

template <typename T, typename Acc>
__global__ void reduce_kernel(ReduceDesc d, const T* __restrict__ x, void* y, int32_t op, double correction) {
  __shared__ Acc sv[kReduceThreads];
  __shared__ int64_t si[kReduceThreads];
  const bool arg = op == kArgmax || op == kArgmin;
  const bool minmax = op == kMax || op == kMin;
  for (int64_t r = blockIdx.x; r < d.outer; r += gridDim.x) {
    int64_t ox, oy;
    d.row_offsets(r, &ox, &oy);
    if (op == kVar) {  // two passes in double, like cpu/reduce.cpp
      if constexpr (std::is_floating_point<Acc>::value) {
        __shared__ double sd[kReduceThreads];
        double sum = 0;
        for (int64_t j = threadIdx.x; j < d.inner; j += blockDim.x) sum += double(x[ox + d.inner_offset(j)]);
        const double mean = block_sum_d(sum, sd) / double(d.inner);
        double ss = 0;
        for (int64_t j = threadIdx.x; j < d.inner; j += blockDim.x) {
          const double v = double(x[ox + d.inner_offset(j)]) - mean;
          ss += v * v;
        }
        ss = block_sum_d(ss, sd);
        const double denom = double(d.inner) - correction;
        if (threadIdx.x == 0) static_cast<float*>(y)[oy] = float(denom > 0 ? ss / denom : NAN);
      }
      continue;
    }
    Pair<Acc> acc = identity<Acc>(op);
    for (int64_t j = threadIdx.x; j < d.inner; j += blockDim.x) {
      Pair<Acc> e{Acc(x[ox + d.inner_offset(j)]), j};
      acc = (minmax || arg) && acc.i < 0 ? e : combine(op, acc, e);
    }
    sv[threadIdx.x] = acc.v;
    si[threadIdx.x] = acc.i;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {
      if (threadIdx.x < w) {
        Pair<Acc> a{sv[threadIdx.x], si[threadIdx.x]}, b{sv[threadIdx.x + w], si[threadIdx.x + w]};
        Pair<Acc> c = (minmax && a.i < 0) ? b : (minmax && b.i < 0) ? a : combine(op, a, b);
        sv[threadIdx.x] = c.v;
        si[threadIdx.x] = c.i;
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) {
      Acc v = sv[0];
      if (arg) {
        static_cast<int32_t*>(y)[oy] = int32_t(si[0] < 0 ? 0 : si[0]);
      } else {
        if constexpr (std::is_floating_point<Acc>::value) {
          if (op == kMean) v = d.inner ? v / Acc(d.inner) : Acc(NAN);  // y is F32 (x is F32)
          if (minmax && si[0] < 0) v = Acc(NAN);                       // empty max/min
        }
        static_cast<T*>(y)[oy] = T(v);
      }
    }
    __syncthreads();
  }
}

}  // namespace

void reduce(const TensorView& y, const TensorView& x, int nkept, int32_t op, double correction, Stream s) {
  ReduceDesc d;
  d.x_offset = x.offset;
  d.y_offset = y.offset;
  d.nkept = nkept;
  for (int k = 0; k < nkept; ++k) {
    d.kshape[k] = x.shape[k];
    d.kstride_x[k] = x.strides[k];
    d.kstride_y[k] = y.strides[k];
    d.outer *= x.shape[k];
  }
  // Reduced dims: drop size-1 dims and merge neighbours contiguous in x.
  for (int k = nkept; k < x.ndim; ++k) {
    d.inner *= x.shape[k];
    if (x.shape[k] == 1) continue;
    if (d.nred > 0 && d.rstride[d.nred - 1] == x.strides[k] * x.shape[k]) {
      d.rshape[d.nred - 1] *= x.shape[k];
      d.rstride[d.nred - 1] = x.strides[k];
    } else {
      d.rshape[d.nred] = x.shape[k];
      d.rstride[d.nred] = x.strides[k];
      ++d.nred;
    }
  }
  if (d.nred == 0) {
    d.nred = 1;
    d.rshape[0] = 1;
    d.rstride[0] = 0;
  }
  if (d.outer == 0) return;
  unsigned grid = unsigned(d.outer < 65535 * 16 ? d.outer : 65535 * 16);
  if (x.dtype == DType::I32)
    reduce_kernel<int32_t, int32_t><<<grid, kReduceThreads, 0, s>>>(d, static_cast<const int32_t*>(x.data), y.data, op, correction);
  else
    reduce_kernel<float, double><<<grid, kReduceThreads, 0, s>>>(d, static_cast<const float*>(x.data), y.data, op, correction);
  CUDA_CHECK_LAUNCH();
}

}  // namespace cuda
}  // namespace tf
