// N-API glue for the CUDA elementwise, reduce and random kernels: the same argument layouts
// and checks as native/binding/{elementwise,random}.cpp, then a launch on the device stream.
#include <cmath>

#include "cpu/elementwise.h"
#include "cpu/random.h"
#include "cpu/reduce.h"
#include "cuda/binding/args.h"

namespace tf {
namespace cudab {
namespace {

bool is_float(const TensorView& v) { return v.dtype == DType::F32; }

// binary(y, a, b) args: [op, view y, view a, view b]
TF_CUDA_BINDING(binary) {
  ArgReader r(info, "binary");
  int32_t op = int32_t(r.int64(0, cpu::kNumBinaryOps - 1, "op"));
  TensorView y = r.view(0, "out"), a = r.view(1, "a"), b = r.view(2, "b");
  if (!r.ok()) return info.Env().Undefined();
  if (!same_shape(y, a) || !same_shape(y, b))
    return r.fail("operands must be broadcast to the output shape, got out " + shape_str(y) + ", a " + shape_str(a) +
                  ", b " + shape_str(b));
  if (a.dtype != b.dtype) return r.fail("operand dtypes differ");
  bool cmp = cpu::binary_is_comparison(op);
  if (cmp ? y.dtype != DType::Bool : y.dtype != a.dtype) return r.fail("output dtype mismatch");
  if ((op == cpu::kDiv || op == cpu::kPow || op == cpu::kAtan2) && !is_float(a))
    return r.fail("div/pow/atan2 need float32 operands");
  if (!cmp && a.dtype == DType::Bool) return r.fail("arithmetic on bool tensors is not supported");
  cuda::binary(y, a, b, op, r.stream());
  return info.Env().Undefined();
}

// unary(y, x) args: [op, p0, p1, view y, view x]
TF_CUDA_BINDING(unary) {
  ArgReader r(info, "unary");
  int32_t op = int32_t(r.int64(0, cpu::kNumUnaryOps - 1, "op"));
  double p0 = r.num(), p1 = r.num();
  TensorView y = r.view(0, "out"), x = r.view(1, "x");
  if (!r.ok()) return info.Env().Undefined();
  if (!same_shape(y, x) || y.dtype != x.dtype) return r.fail("output must match input shape and dtype");
  bool int_ok = op == cpu::kNeg || op == cpu::kAbs || op == cpu::kSquare || op == cpu::kSign || op == cpu::kClamp ||
                op == cpu::kAffine;
  if (x.dtype == DType::I32 && !int_ok) return r.fail("op needs a float32 input");
  if ((x.dtype == DType::U8 || x.dtype == DType::Bool) != (op == cpu::kLogicalNot))
    return r.fail(op == cpu::kLogicalNot ? "logicalNot needs a bool input" : "op needs a float32 input");
  cuda::unary(y, x, op, p0, p1, r.stream());
  return info.Env().Undefined();
}

// unaryBackward(dx, dy, x, y) args: [op, p0, p1, view dx, view dy, view x, view y]
TF_CUDA_BINDING(unaryBackward) {
  ArgReader r(info, "unaryBackward");
  int32_t op = int32_t(r.int64(0, cpu::kNumUnaryOps - 1, "op"));
  double p0 = r.num(), p1 = r.num();
  TensorView dx = r.view(0, "dx"), dy = r.view(1, "dy"), x = r.view(2, "x"), y = r.view(3, "y");
  if (!r.ok()) return info.Env().Undefined();
  if (!same_shape(dx, dy) || !same_shape(dx, x) || !same_shape(dx, y)) return r.fail("shapes differ");
  if (!is_float(dx) || !is_float(dy) || !is_float(x) || !is_float(y)) return r.fail("float32 only");
  cuda::unary_backward(dx, dy, x, y, op, p0, p1, r.stream());
  return info.Env().Undefined();
}

// where(y, cond, a, b) args: [view y, view cond, view a, view b]
TF_CUDA_BINDING(where) {
  ArgReader r(info, "where");
  TensorView y = r.view(0, "out"), c = r.view(1, "condition"), a = r.view(2, "a"), b = r.view(3, "b");
  if (!r.ok()) return info.Env().Undefined();
  if (!same_shape(y, c) || !same_shape(y, a) || !same_shape(y, b)) return r.fail("shapes differ");
  if (c.dtype != DType::Bool) return r.fail("condition must be bool");
  if (a.dtype != y.dtype || b.dtype != y.dtype) return r.fail("dtypes differ");
  cuda::where(y, c, a, b, r.stream());
  return info.Env().Undefined();
}

// cast(y, x) args: [view y, view x]  (also the strided copy used by contiguous())
TF_CUDA_BINDING(cast) {
  ArgReader r(info, "cast");
  TensorView y = r.view(0, "out"), x = r.view(1, "x");
  if (!r.ok()) return info.Env().Undefined();
  if (!same_shape(y, x)) return r.fail("shapes differ: out " + shape_str(y) + ", x " + shape_str(x));
  cuda::cast(y, x, r.stream());
  return info.Env().Undefined();
}

// fill(y) args: [value, view y]
TF_CUDA_BINDING(fill) {
  ArgReader r(info, "fill");
  double value = r.num();
  TensorView y = r.view(0, "out");
  if (!r.ok()) return info.Env().Undefined();
  cuda::fill(y, value, r.stream());
  return info.Env().Undefined();
}

// reduce(y, x) args: [op, nkept, correction, view y, view x] (native/binding/reduce.cpp)
TF_CUDA_BINDING(reduce) {
  ArgReader r(info, "reduce");
  int32_t op = int32_t(r.int64(0, cpu::kNumReduceOps - 1, "op"));
  int nkept = int(r.int64(0, kMaxDims, "nkept"));
  double correction = r.num();
  TensorView y = r.view(0, "out"), x = r.view(1, "x");
  if (!r.ok()) return info.Env().Undefined();
  if (nkept > x.ndim || y.ndim != nkept) return r.fail("output must have the kept dims of x");
  for (int d = 0; d < nkept; ++d)
    if (y.shape[d] != x.shape[d]) return r.fail("output shape does not match the kept dims of x");
  if (x.dtype != DType::F32 && x.dtype != DType::I32) return r.fail("x must be float32 or int32");
  bool arg = op == cpu::kArgmax || op == cpu::kArgmin;
  DType want = arg ? DType::I32 : (op == cpu::kMean || op == cpu::kVar) ? DType::F32 : x.dtype;
  if (y.dtype != want) return r.fail("output dtype mismatch");
  if ((op == cpu::kMean || op == cpu::kVar) && x.dtype != DType::F32) return r.fail("mean/var need float32");
  int64_t count = 1;
  for (int d = nkept; d < x.ndim; ++d) count *= x.shape[d];
  if (count == 0 && (arg || op == cpu::kMax || op == cpu::kMin) && y.numel() > 0)
    return r.fail("cannot take max/min/argmax/argmin of an empty dimension");
  if (!std::isfinite(correction)) return r.fail("correction must be finite");
  cuda::reduce(y, x, nkept, op, correction, r.stream());
  return info.Env().Undefined();
}

// randomFill(y) args: [kind, p0, p1, view y]
TF_CUDA_BINDING(randomFill) {
  ArgReader r(info, "random");
  int32_t kind = int32_t(r.int64(0, cpu::kNumRandomKinds - 1, "kind"));
  double p0 = r.num(), p1 = r.num();
  TensorView y = r.view(0, "out");
  if (!r.ok()) return info.Env().Undefined();
  if (!y.is_contiguous()) return r.fail("output must be contiguous");
  bool ok = kind == cpu::kRandint ? y.dtype == DType::I32 : kind == cpu::kBernoulli ? y.dtype != DType::I32
                                                                                    : y.dtype == DType::F32;
  if (!ok) return r.fail("unsupported output dtype");
  if (kind == cpu::kRandint && !(p1 > p0 && p1 - p0 <= 4294967296.0))
    return r.fail("randint needs low < high with high - low <= 2^32");
  if (!std::isfinite(p0) || !std::isfinite(p1)) return r.fail("parameters must be finite");
  Instance& inst = instance(info.Env());
  uint64_t offset = inst.rng_offset;
  inst.rng_offset += uint64_t(y.numel());
  cuda::random_fill(y, kind, p0, p1, inst.seed, offset, r.stream());
  return info.Env().Undefined();
}

}  // namespace
}  // namespace cudab
}  // namespace tf
