// N-API glue for native/cpu/index: gather, scatterAdd, indexSelect (+ backward) and
// indexCheck. Every index is range-checked here before a kernel reads through it.
#include <string>

#include "binding/args.h"
#include "cpu/index.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

constexpr int64_t kNoExtra = int64_t(INT32_MIN) - 1;

// RangeError naming the bad value unless every index is in [0, limit).
// `idx_arg`: the index's storage argument (async mode: queued writes to it land first).
bool check_range(ArgReader& r, Isa isa, const TensorView& idx, int idx_arg, int64_t limit, const std::string& what) {
  if (idx.dtype != DType::I32) { r.fail("index must be int32"); return false; }
  if (!r.wait_writes({idx_arg})) return false;
  int64_t bad = TF_ISA_CALL(isa, cpu, index_find_invalid)(idx, limit, kNoExtra);
  if (bad < 0) return true;
  int64_t off = idx.offset, rem = bad;
  for (int d = idx.ndim - 1; d >= 0; --d) { off += (rem % idx.shape[d]) * idx.strides[d]; rem /= idx.shape[d]; }
  r.fail("index " + std::to_string(static_cast<const int32_t*>(idx.data)[off]) + " at position " +
         std::to_string(bad) + " is out of range for " + what + " of size " + std::to_string(limit));
  return false;
}

int check_dim(ArgReader& r, int64_t dim, int ndim) {
  if (dim >= std::max(ndim, 1)) { r.fail("dim out of range"); return -1; }
  return int(dim);
}

// gather(y, x, idx) args: [dim, view y, view x, view idx]
TF_BINDING(gather) {
  ArgReader r(info, "gather");
  int64_t dim0 = r.int64(0, kMaxDims, "dim");
  TensorView y = r.view(0, "out"), x = r.view(1, "input"), idx = r.view(2, "index");
  if (!r.ok()) return info.Env().Undefined();
  int dim = check_dim(r, dim0, x.ndim);
  if (dim < 0) return info.Env().Undefined();
  if (x.ndim != idx.ndim || !same_shape(y, idx)) return r.fail("index must have the input's rank and out the index's shape");
  if (y.dtype != x.dtype) return r.fail("out dtype must match input");
  for (int d = 0; d < x.ndim; ++d)
    if (d != dim && idx.shape[d] > x.shape[d]) return r.fail("index is larger than input outside dim " + std::to_string(dim));
  Instance& inst = instance(info.Env());
  if (!check_range(r, inst.isa, idx, 2, x.ndim ? x.shape[dim] : 1, "dim " + std::to_string(dim))) return info.Env().Undefined();
  r.launch([=, isa = inst.isa] {
    TF_ISA_CALL(isa, cpu, gather_forward)(y, x, idx, dim);
  });
  return info.Env().Undefined();
}

// scatterAdd(y, idx, src) args: [dim, view y, view idx, view src]; y += scattered src in place.
TF_BINDING(scatterAdd) {
  ArgReader r(info, "scatterAdd");
  int64_t dim0 = r.int64(0, kMaxDims, "dim");
  TensorView y = r.view(0, "out"), idx = r.view(1, "index"), src = r.view(2, "src");
  if (!r.ok()) return info.Env().Undefined();
  int dim = check_dim(r, dim0, y.ndim);
  if (dim < 0) return info.Env().Undefined();
  if (y.ndim != idx.ndim || y.ndim != src.ndim) return r.fail("input, index and src must have the same rank");
  if (y.dtype != src.dtype || (y.dtype != DType::F32 && y.dtype != DType::I32)) return r.fail("input and src must both be float32 or int32");
  if (same_storage(y, src) || same_storage(y, idx)) return r.fail("out must not share storage with index or src");
  for (int d = 0; d < y.ndim; ++d) {
    if (idx.shape[d] > src.shape[d]) return r.fail("index is larger than src in dim " + std::to_string(d));
    if (d != dim && idx.shape[d] > y.shape[d]) return r.fail("index is larger than input outside dim " + std::to_string(dim));
  }
  Instance& inst = instance(info.Env());
  if (!check_range(r, inst.isa, idx, 1, y.ndim ? y.shape[dim] : 1, "dim " + std::to_string(dim))) return info.Env().Undefined();
  r.launch([=, isa = inst.isa] {
    TF_ISA_CALL(isa, cpu, scatter_add_forward)(y, idx, src, dim);
  });
  return info.Env().Undefined();
}

// [outer, n, inner] of contiguous x around dim; checks y = x with shape[dim] = K.
bool slices(ArgReader& r, const TensorView& y, const TensorView& x, const TensorView& idx, int dim,
            int64_t* outer, int64_t* n, int64_t* inner) {
  if (!x.is_contiguous() || !y.is_contiguous() || !idx.is_contiguous()) { r.fail("input, out and index must be contiguous"); return false; }
  if (idx.ndim != 1) { r.fail("index must be 1-D"); return false; }
  bool ok = y.ndim == x.ndim && x.ndim >= 1;
  for (int d = 0; ok && d < x.ndim; ++d) ok = y.shape[d] == (d == dim ? idx.shape[0] : x.shape[d]);
  if (!ok) { r.fail("out must have the input's shape with index's length at dim"); return false; }
  *outer = 1; *inner = 1; *n = x.shape[dim];
  for (int d = 0; d < dim; ++d) *outer *= x.shape[d];
  for (int d = dim + 1; d < x.ndim; ++d) *inner *= x.shape[d];
  return true;
}

// indexSelect(y, x, idx) args: [dim, view y, view x, view idx]
TF_BINDING(indexSelect) {
  ArgReader r(info, "indexSelect");
  int64_t dim0 = r.int64(0, kMaxDims, "dim");
  TensorView y = r.view(0, "out"), x = r.view(1, "input"), idx = r.view(2, "index");
  if (!r.ok()) return info.Env().Undefined();
  int dim = check_dim(r, dim0, x.ndim);
  if (dim < 0) return info.Env().Undefined();
  if (y.dtype != x.dtype) return r.fail("out dtype must match input");
  int64_t outer, n, inner;
  if (!slices(r, y, x, idx, dim, &outer, &n, &inner)) return info.Env().Undefined();
  Instance& inst = instance(info.Env());
  if (!check_range(r, inst.isa, idx, 2, n, "dim " + std::to_string(dim))) return info.Env().Undefined();
  r.launch([=, isa = inst.isa] {
    TF_ISA_CALL(isa, cpu, index_select_forward)(y.ptr<char>(), x.ptr<char>(), idx.ptr<int32_t>(), outer, n,
                                                     idx.shape[0], inner, int64_t(dtype_size(x.dtype)));
  });
  return info.Env().Undefined();
}

// indexSelectBackward(dx, dy, idx) args: [dim, view dx, view dy, view idx]; dx += index-add(dy).
TF_BINDING(indexSelectBackward) {
  ArgReader r(info, "indexSelectBackward");
  int64_t dim0 = r.int64(0, kMaxDims, "dim");
  TensorView dx = r.view(0, "dx"), dy = r.view(1, "dy"), idx = r.view(2, "index");
  if (!r.ok()) return info.Env().Undefined();
  int dim = check_dim(r, dim0, dx.ndim);
  if (dim < 0) return info.Env().Undefined();
  if (dx.dtype != DType::F32 || dy.dtype != DType::F32) return r.fail("dx and dy must be float32");
  if (same_storage(dx, dy)) return r.fail("dx must not share storage with dy");
  int64_t outer, n, inner;
  if (!slices(r, dy, dx, idx, dim, &outer, &n, &inner)) return info.Env().Undefined();
  Instance& inst = instance(info.Env());
  if (!check_range(r, inst.isa, idx, 2, n, "dim " + std::to_string(dim))) return info.Env().Undefined();
  r.launch([=, isa = inst.isa] {
    TF_ISA_CALL(isa, cpu, index_select_backward)(dx.ptr<float>(), dy.ptr<float>(), idx.ptr<int32_t>(), outer, n,
                                                      idx.shape[0], inner);
  });
  return info.Env().Undefined();
}

// indexCheck(idx) args: [limit, allowed, view idx] -> null, or { position, value } of the
// first index outside [0, limit) that is not `allowed` (losses name their own op).
TF_BINDING(indexCheck) {
  ArgReader r(info, "indexCheck");
  int64_t limit = r.int64(0, INT32_MAX, "limit");
  int64_t allowed = r.int64(kNoExtra, INT32_MAX, "allowed");
  TensorView idx = r.view(0, "index");
  if (!r.ok()) return info.Env().Undefined();
  if (idx.dtype != DType::I32) return r.fail("index must be int32");
  if (!r.wait_writes({0})) return info.Env().Undefined();
  int64_t bad = TF_ISA_CALL(instance(info.Env()).isa, cpu, index_find_invalid)(idx, limit, allowed);
  if (bad < 0) return info.Env().Null();
  int64_t off = idx.offset, rem = bad;
  for (int d = idx.ndim - 1; d >= 0; --d) { off += (rem % idx.shape[d]) * idx.strides[d]; rem /= idx.shape[d]; }
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("position", Napi::Number::New(info.Env(), double(bad)));
  o.Set("value", Napi::Number::New(info.Env(), double(static_cast<const int32_t*>(idx.data)[off])));
  return o;
}

}  // namespace
}  // namespace tf
