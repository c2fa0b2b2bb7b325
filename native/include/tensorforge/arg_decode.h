// Decoding of the shared argument buffer (lib/native.ts ArgWriter), without N-API: the
// binding layer (native/binding/args.cpp, compiled into the CPU and the CUDA addon alike)
// reads and validates it with this one piece of code. A view is
// [dtype, ndim, offset, ...shape, ...strides], offset/strides in elements.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

#include "tensorforge/view.h"

namespace tf {

// A number formatted the way JS prints it (99, 2.5, 1e+20), for error messages.
inline std::string fmt_num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

class ArgDecoder {
 public:
  ArgDecoder(const double* args, size_t len) : args_(args), len_(len) {
    if (!args_) fail("argument buffer not initialised");
  }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // Records the first failure only (later reads return zeros).
  void fail(const std::string& msg) { if (ok()) error_ = msg; }

  double num() {
    if (!ok()) return 0;
    if (pos_ >= len_) { fail("argument buffer overrun"); return 0; }
    return args_[pos_++];
  }
  int64_t int64(int64_t lo, int64_t hi, const char* what) {
    double d = num();
    if (!ok()) return 0;
    // In range (NaN and +-Inf are not) and whole; |d| <= 2^62 here, so the cast is exact.
    if (__builtin_expect(d >= double(lo) && d <= double(hi), 1)) {
      const int64_t i = int64_t(d);
      if (__builtin_expect(double(i) == d, 1)) return i;
    }
    bad_int(d, lo, hi, what);
    return 0;
  }
  // Reads a view's metadata and checks its furthest element lies inside `nbytes` of storage.
  TensorView view(void* data, size_t nbytes, const char* what) {
    TensorView v;
    v.data = data;
    v.dtype = DType(int64(0, 3, "dtype"));
    v.ndim = int(int64(0, kMaxDims, "ndim"));
    v.offset = int64(0, int64_t(1) << 50, "offset");
    for (int d = 0; d < v.ndim; ++d) v.shape[d] = int64(0, int64_t(1) << 50, "shape");
    for (int d = 0; d < v.ndim; ++d) v.strides[d] = int64(0, int64_t(1) << 50, "stride");
    if (!ok()) return v;
    int64_t numel = 1, last = v.offset;
    for (int d = 0; d < v.ndim; ++d) {
      numel *= v.shape[d];
      if (numel > (int64_t(1) << 50)) { fail(std::string(what) + ": too many elements"); return v; }
      if (v.shape[d] > 0) last += (v.shape[d] - 1) * v.strides[d];
    }
    if (numel > 0 && (last + 1) * int64_t(dtype_size(v.dtype)) > int64_t(nbytes))
      fail(std::string(what) + ": view reaches element " + std::to_string(last) + " beyond its storage of " +
           std::to_string(nbytes) + " bytes");
    return v;
  }

 private:
  // NOTE: out of line so int64 (16 calls per 3-view op) inlines to a few instructions.
  __attribute__((noinline, cold)) void bad_int(double d, int64_t lo, int64_t hi, const char* what) {
    fail(std::string(what) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
         "], got " + fmt_num(d));
  }

  const double* args_;
  size_t len_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace tf
