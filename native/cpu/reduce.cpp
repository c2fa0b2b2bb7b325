#include "cpu/reduce.h"

#include <cmath>
#include <limits>

#include "cpu/simd.h"
#include "runtime/parallel.h"
#include "tensorforge/int_math.h"

namespace tf {
namespace cpu {
namespace TF_ISA {

namespace {

// The reduced part of x, coalesced: visits every element offset (in elements).
struct ReducedDims {
  int nd = 0;
  int64_t shape[kMaxDims];
  int64_t stride[kMaxDims];
  int64_t count = 1;
  ReducedDims(const TensorView& x, int nkept) {
    for (int d = nkept; d < x.ndim; ++d) {
      count *= x.shape[d];
      if (x.shape[d] == 1) continue;
      if (nd > 0 && stride[nd - 1] == x.strides[d] * x.shape[d]) {
        shape[nd - 1] *= x.shape[d];
        stride[nd - 1] = x.strides[d];
      } else {
        shape[nd] = x.shape[d];
        stride[nd] = x.strides[d];
        ++nd;
      }
    }
  }
  // Calls f(ptr_to_run, run_length, run_stride) for each run along the innermost dim.
  template <typename T, typename F>
  void for_runs(const T* base, F f) const {
    if (count == 0) return;
    if (nd == 0) { f(base, 1, 0); return; }
    int64_t coord[kMaxDims] = {};
    const int64_t n_in = shape[nd - 1], s_in = stride[nd - 1];
    for (;;) {
      int64_t off = 0;
      for (int d = 0; d < nd - 1; ++d) off += coord[d] * stride[d];
      f(base + off, n_in, s_in);
      int d = nd - 2;
      for (; d >= 0; --d) {
        if (++coord[d] < shape[d]) break;
        coord[d] = 0;
      }
      if (d < 0) return;
    }
  }
};

// The accumulator of sum/prod stored as T: float from double; int32 from the uint32 sum or
// product, which wraps modulo 2^32 like PyTorch's int32 arithmetic (signed overflow is UB).
inline float from_acc(float*, double acc) { return float(acc); }
inline int32_t from_acc(int32_t*, uint32_t acc) { return i32_from_bits(acc); }

template <typename T, typename Acc>
void reduce_typed(const TensorView& y, const TensorView& x, int nkept, int32_t op, double correction) {
  ReducedDims rd(x, nkept);
  const int64_t nout = y.numel();
  const T* xb = x.ptr<T>();
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(1, rd.count));
  parallel_for(nout, grain, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      // decode o over the kept dims (y is [kept...])
      int64_t rem = o, xoff = 0, yoff = 0;
      for (int d = nkept - 1; d >= 0; --d) {
        int64_t c = rem % y.shape[d];
        rem /= y.shape[d];
        xoff += c * x.strides[d];
        yoff += c * y.strides[d];
      }
      const T* base = xb + xoff;
      if (op == kSum || op == kMean || op == kProd) {
        Acc acc = op == kProd ? Acc(1) : Acc(0);
        rd.for_runs(base, [&](const T* p, int64_t n, int64_t s) {
          if (op == kProd) {
            for (int64_t i = 0; i < n; ++i) acc *= Acc(p[i * s]);
          } else if (s == 1) {
            Acc part = 0;
            for (int64_t i = 0; i < n; ++i) part += Acc(p[i]);
            acc += part;
          } else {
            for (int64_t i = 0; i < n; ++i) acc += Acc(p[i * s]);
          }
        });
        if (op == kMean) y.ptr<float>()[yoff] = float(double(acc) / double(rd.count));
        else y.ptr<T>()[yoff] = from_acc(static_cast<T*>(nullptr), acc);
      } else if (op == kVar) {
        double sum = 0;
        rd.for_runs(base, [&](const T* p, int64_t n, int64_t s) {
          for (int64_t i = 0; i < n; ++i) sum += double(p[i * s]);
        });
        const double mean = sum / double(rd.count);
        double ss = 0;
        rd.for_runs(base, [&](const T* p, int64_t n, int64_t s) {
          for (int64_t i = 0; i < n; ++i) { double d = double(p[i * s]) - mean; ss += d * d; }
        });
        double denom = double(rd.count) - correction;
        y.ptr<float>()[yoff] = float(denom > 0 ? ss / denom : std::numeric_limits<double>::quiet_NaN());
      } else {
        const bool want_max = op == kMax || op == kArgmax;
        T best = xb[xoff];
        int64_t best_i = 0, i0 = 0;
        bool nan = false;
        rd.for_runs(base, [&](const T* p, int64_t n, int64_t s) {
          if (nan) return;
          for (int64_t i = 0; i < n; ++i) {
            T v = p[i * s];
            if (v != v) { best = v; best_i = i0 + i; nan = true; return; }
            if (want_max ? v > best : v < best) { best = v; best_i = i0 + i; }
          }
          i0 += n;
        });
        if (op == kArgmax || op == kArgmin) y.ptr<int32_t>()[yoff] = int32_t(best_i);
        else y.ptr<T>()[yoff] = best;
      }
    }
  });
}

}  // namespace

void reduce(const TensorView& y, const TensorView& x, int nkept, int32_t op, double correction) {
  if (x.dtype == DType::F32) reduce_typed<float, double>(y, x, nkept, op, correction);
  else reduce_typed<int32_t, uint32_t>(y, x, nkept, op, correction);  // sum/prod modulo 2^32
}

}  // namespace TF_ISA
}  // namespace cpu
}  // namespace tf
