// gather / scatter-add (strided views, index of the output's rank) and index-select /
// index-add (contiguous [outer, n, inner] slices). Work is split over "lines": all positions
// that differ only along `dim`, so scatter-add never has two threads writing one element.
#include "cpu/index.h"

#include <algorithm>
#include <cstring>

#include "runtime/parallel.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

namespace {

constexpr int64_t kGrain = 16384;

// Lines of `shape` along `dim`: line l has coordinates over the other dims decoded from l.
struct Lines {
  int ndim, dim;
  const int64_t* shape;
  int64_t count, len;
  Lines(const int64_t* shape_, int ndim_, int dim_) : ndim(ndim_), dim(dim_), shape(shape_) {
    len = shape[dim];
    count = 1;
    for (int d = 0; d < ndim; ++d) if (d != dim) count *= shape[d];
  }
  // Element offset of line l's first position in a view with these strides.
  int64_t offset(int64_t l, const int64_t* strides) const {
    int64_t off = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      if (d == dim) continue;
      off += (l % shape[d]) * strides[d];
      l /= shape[d];
    }
    return off;
  }
};

template <typename T>
void gather_typed(const TensorView& y, const TensorView& x, const TensorView& idx, int dim) {
  Lines ln(idx.shape, idx.ndim, dim);
  const int64_t ys = y.strides[dim], xs = x.strides[dim], is = idx.strides[dim];
  parallel_for(ln.count, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, ln.len)), [&](int64_t b, int64_t e) {
    for (int64_t l = b; l < e; ++l) {
      T* yp = y.ptr<T>() + ln.offset(l, y.strides);
      const T* xp = x.ptr<T>() + ln.offset(l, x.strides);
      const int32_t* ip = idx.ptr<int32_t>() + ln.offset(l, idx.strides);
      for (int64_t k = 0; k < ln.len; ++k) yp[k * ys] = xp[int64_t(ip[k * is]) * xs];
    }
  });
}

template <typename T>
void scatter_add_typed(const TensorView& y, const TensorView& idx, const TensorView& src, int dim) {
  Lines ln(idx.shape, idx.ndim, dim);
  const int64_t ys = y.strides[dim], ss = src.strides[dim], is = idx.strides[dim];
  parallel_for(ln.count, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, ln.len)), [&](int64_t b, int64_t e) {
    for (int64_t l = b; l < e; ++l) {
      T* yp = y.ptr<T>() + ln.offset(l, y.strides);
      const T* sp = src.ptr<T>() + ln.offset(l, src.strides);
      const int32_t* ip = idx.ptr<int32_t>() + ln.offset(l, idx.strides);
      for (int64_t k = 0; k < ln.len; ++k) yp[int64_t(ip[k * is]) * ys] += sp[k * ss];
    }
  });
}

}  // namespace

int64_t index_find_invalid(const TensorView& idx, int64_t limit, int64_t allowed) {
  const int64_t n = idx.numel();
  const int32_t* p = idx.ptr<int32_t>();
  int64_t coord[kMaxDims] = {};
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = 0;
    for (int d = 0; d < idx.ndim; ++d) off += coord[d] * idx.strides[d];
    const int64_t v = p[off];
    if ((v < 0 || v >= limit) && v != allowed) return i;
    for (int d = idx.ndim - 1; d >= 0; --d) {
      if (++coord[d] < idx.shape[d]) break;
      coord[d] = 0;
    }
  }
  return -1;
}

void gather_forward(const TensorView& y, const TensorView& x, const TensorView& idx, int dim) {
  if (idx.numel() == 0) return;
  if (dtype_size(x.dtype) == 4) gather_typed<uint32_t>(y, x, idx, dim);
  else gather_typed<uint8_t>(y, x, idx, dim);
}

void scatter_add_forward(const TensorView& y, const TensorView& idx, const TensorView& src, int dim) {
  if (idx.numel() == 0) return;
  if (y.dtype == DType::F32) scatter_add_typed<float>(y, idx, src, dim);
  else scatter_add_typed<uint32_t>(y, idx, src, dim);  // int32 sums wrap modulo 2^32 (no UB)
}

void index_select_forward(void* y, const void* x, const int32_t* idx, int64_t outer, int64_t n,
                          int64_t K, int64_t inner, int64_t elem_bytes) {
  const int64_t row = inner * elem_bytes;
  if (outer == 0 || K == 0 || row == 0) return;
  char* yb = static_cast<char*>(y);
  const char* xb = static_cast<const char*>(x);
  parallel_for(outer * K, std::max<int64_t>(1, kGrain * 4 / row), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / K, k = t % K;
      std::memcpy(yb + t * row, xb + (o * n + idx[k]) * row, size_t(row));
    }
  });
}

void index_select_backward(float* dx, const float* dy, const int32_t* idx, int64_t outer,
                           int64_t n, int64_t K, int64_t inner) {
  if (outer == 0 || K == 0 || inner == 0) return;
  // Tasks own column blocks of one outer slice and walk every k, so duplicates in idx
  // accumulate serially and in order.
  const int64_t blk = 256, nblk = (inner + blk - 1) / blk;
  parallel_for(outer * nblk, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, K * std::min(inner, blk))),
               [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / nblk, j0 = (t % nblk) * blk, j1 = std::min(inner, j0 + blk);
      for (int64_t k = 0; k < K; ++k) {
        float* d = dx + (o * n + idx[k]) * inner;
        const float* g = dy + (o * K + k) * inner;
        for (int64_t j = j0; j < j1; ++j) d[j] += g[j];
      }
    }
  });
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
