// N-operand strided iteration: coalesces dimensions, then calls
// inner(char* ptrs[N], const int64_t byte_strides[N], int64_t n) over runs of the last
// dimension, splitting the flat index range across the thread pool.
#pragma once
#include <cstdint>

#include "runtime/parallel.h"
#include "tensorforge/view.h"

namespace tf {
namespace cpu {

template <int N>
struct StridedIter {
  int ndim = 0;
  int64_t shape[kMaxDims];
  int64_t bstride[N][kMaxDims];  // byte strides per operand
  char* base[N];
  int64_t numel = 1;

  explicit StridedIter(const TensorView* const (&v)[N]) {
    const TensorView& y = *v[0];
    for (int k = 0; k < N; ++k)
      base[k] = static_cast<char*>(v[k]->data) + v[k]->offset * int64_t(dtype_size(v[k]->dtype));
    // Drop size-1 dims, then merge neighbours that are contiguous in every operand.
    for (int d = 0; d < y.ndim; ++d) {
      numel *= y.shape[d];
      if (y.shape[d] == 1) continue;
      bool merge = ndim > 0;
      for (int k = 0; k < N && merge; ++k) {
        int64_t es = int64_t(dtype_size(v[k]->dtype));
        merge = bstride[k][ndim - 1] == v[k]->strides[d] * y.shape[d] * es;
      }
      if (merge) {
        shape[ndim - 1] *= y.shape[d];
        for (int k = 0; k < N; ++k)
          bstride[k][ndim - 1] = v[k]->strides[d] * int64_t(dtype_size(v[k]->dtype));
      } else {
        shape[ndim] = y.shape[d];
        for (int k = 0; k < N; ++k)
          bstride[k][ndim] = v[k]->strides[d] * int64_t(dtype_size(v[k]->dtype));
        ++ndim;
      }
    }
    if (ndim == 0) {
      ndim = 1;
      shape[0] = 1;
      for (int k = 0; k < N; ++k) bstride[k][0] = 0;
    }
  }

  // Runs inner over flat element range [begin, end).
  template <typename F>
  void run_range(int64_t begin, int64_t end, F& inner) const {
    int64_t coord[kMaxDims];
    char* p[N];
    int64_t rem = begin;
    for (int d = ndim - 1; d >= 0; --d) {
      coord[d] = rem % shape[d];
      rem /= shape[d];
    }
    for (int k = 0; k < N; ++k) {
      p[k] = base[k];
      for (int d = 0; d < ndim; ++d) p[k] += coord[d] * bstride[k][d];
    }
    int64_t inner_s[N];
    for (int k = 0; k < N; ++k) inner_s[k] = bstride[k][ndim - 1];
    int64_t i = begin;
    while (i < end) {
      int64_t n = shape[ndim - 1] - coord[ndim - 1];
      if (n > end - i) n = end - i;
      inner(p, inner_s, n);
      i += n;
      // advance: move along the last dim by n, carrying into outer dims
      coord[ndim - 1] += n;
      for (int k = 0; k < N; ++k) p[k] += n * inner_s[k];
      for (int d = ndim - 1; d > 0 && coord[d] == shape[d]; --d) {
        coord[d] = 0;
        coord[d - 1] += 1;
        for (int k = 0; k < N; ++k) p[k] += bstride[k][d - 1] - shape[d] * bstride[k][d];
      }
    }
  }

  template <typename F>
  void run(int64_t grain, F inner) const {
    if (numel == 0) return;
    // parallel_for runs below two grains serially anyway; skip its std::function and TLS.
    if (numel < 2 * grain) { run_range(0, numel, inner); return; }
    parallel_for(numel, grain, [&](int64_t b, int64_t e) { run_range(b, e, inner); });
  }
};

}  // namespace cpu
}  // namespace tf
