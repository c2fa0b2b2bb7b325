// Validation helpers shared by the conv / pool / norm bindings: each fails the ArgReader
// with a message naming the op (ArgReader adds it), the argument and the shapes.
#pragma once
#include <initializer_list>
#include <string>

#include "binding/args.h"

namespace tf {

inline const char* dtype_name(DType d) {
  return d == DType::F32 ? "float32" : d == DType::I32 ? "int32" : d == DType::U8 ? "uint8" : "bool";
}

// A contiguous tensor of dtype `dt` with `ndim` dims (any ndim when ndim < 0).
inline bool check_tensor(ArgReader& r, const TensorView& v, DType dt, int ndim, const char* what) {
  if (!r.ok()) return false;
  if (v.dtype != dt) {
    r.fail(std::string(what) + " must be " + dtype_name(dt) + ", got " + dtype_name(v.dtype));
    return false;
  }
  if (ndim >= 0 && v.ndim != ndim) {
    r.fail(std::string(what) + " must have " + std::to_string(ndim) + " dimensions, got shape " + shape_str(v));
    return false;
  }
  if (!v.is_contiguous()) {
    r.fail(std::string(what) + " must be contiguous (shape " + shape_str(v) + ")");
    return false;
  }
  return true;
}

inline bool check_shape(ArgReader& r, const TensorView& v, std::initializer_list<int64_t> want, const char* what) {
  if (!r.ok()) return false;
  bool same = v.ndim == int(want.size());
  int d = 0;
  for (int64_t s : want) same = same && v.shape[d++] == s;
  if (!same) r.fail(std::string(what) + " must have shape " + shape_str(want) + ", got " + shape_str(v));
  return same;
}

inline bool check_numel(ArgReader& r, const TensorView& v, int64_t n, const char* what) {
  if (!r.ok()) return false;
  if (v.numel() != n) {
    r.fail(std::string(what) + " must have " + std::to_string(n) + " elements, got shape " + shape_str(v));
    return false;
  }
  return true;
}

// Outputs are write-only scratch for the kernels: none may share storage with another
// output or an input.
inline bool check_no_alias(ArgReader& r, std::initializer_list<const TensorView*> outs,
                           std::initializer_list<const TensorView*> ins) {
  if (!r.ok()) return false;
  for (auto o = outs.begin(); o != outs.end(); ++o) {
    if (!(*o)->data) continue;
    for (auto p = o + 1; p != outs.end(); ++p)
      if ((*p)->data == (*o)->data) return r.fail("outputs must not share storage"), false;
    for (const TensorView* i : ins)
      if (i->data == (*o)->data) return r.fail("an output shares storage with an input"), false;
  }
  return true;
}

}  // namespace tf
