// N-API glue for native/cpu/elementwise and native/cuda/elementwise.cu: decode views,
// re-check, dispatch by device (cpu:: by ISA, or cuda:: on the device stream).
#include "binding/args.h"
#include "cpu/elementwise.h"
#include "runtime/parallel.h"

namespace tf {
namespace {

bool is_float(const TensorView& v) { return v.dtype == DType::F32; }

// binary(y, a, b) args: [op, view y, view a, view b]
TF_BINDING(binary) {
  ArgReader r(info, "binary", Kernels::CpuAndCuda);
  int32_t op = int32_t(r.int64(0, cpu::kNumBinaryOps - 1, "op"));
  TensorView y = r.view(0, "out"), a = r.view(1, "a"), b = r.view(2, "b");
  if (!r.ok()) return info.Env().Undefined();
  if (!same_shape(y, a) || !same_shape(y, b)) return r.fail("operands must be broadcast to the output shape");
  if (a.dtype != b.dtype) return r.fail("operand dtypes differ");
  bool cmp = cpu::binary_is_comparison(op);
  if (cmp ? y.dtype != DType::Bool : y.dtype != a.dtype) return r.fail("output dtype mismatch");
  if ((op == cpu::kDiv || op == cpu::kAtan2) && !is_float(a)) return r.fail("div/atan2 need float32 operands");
  if (op == cpu::kPow && !is_float(a) && a.dtype != DType::I32) return r.fail("pow needs float32 or int32 operands");
  if (!cmp && a.dtype == DType::Bool) return r.fail("arithmetic on bool tensors is not supported");
  if (r.on_cuda()) {
    cuda::binary(y, a, b, op, r.stream());
  } else {
    r.launch(1, [=, isa = r.inst().isa] {
      TF_ISA_CALL(isa, cpu, binary)(y, a, b, op);
    });
  }
  return info.Env().Undefined();
}

// unary(y, x) args: [op, p0, p1, view y, view x]
TF_BINDING(unary) {
  ArgReader r(info, "unary", Kernels::CpuAndCuda);
  int32_t op = int32_t(r.int64(0, cpu::kNumUnaryOps - 1, "op"));
  double p0 = r.num(), p1 = r.num();
  TensorView y = r.view(0, "out"), x = r.view(1, "x");
  if (!r.ok()) return info.Env().Undefined();
  if (!same_shape(y, x) || y.dtype != x.dtype) return r.fail("output must match input shape and dtype");
  bool int_ok = op == cpu::kNeg || op == cpu::kAbs || op == cpu::kSquare || op == cpu::kSign ||
                op == cpu::kClamp || op == cpu::kAffine;
  if (x.dtype == DType::I32 && !int_ok) return r.fail("op needs a float32 input");
  if ((x.dtype == DType::U8 || x.dtype == DType::Bool) != (op == cpu::kLogicalNot))
    return r.fail(op == cpu::kLogicalNot ? "logicalNot needs a bool input" : "op needs a float32 input");
  if (r.on_cuda()) {
    cuda::unary(y, x, op, p0, p1, r.stream());
  } else {
    r.launch(1, [=, isa = r.inst().isa] {
      TF_ISA_CALL(isa, cpu, unary)(y, x, op, p0, p1);
    });
  }
  return info.Env().Undefined();
}

// unaryBackward(dx, dy, x, y) args: [op, p0, p1, view dx, view dy, view x, view y]
TF_BINDING(unaryBackward) {
  ArgReader r(info, "unaryBackward", Kernels::CpuAndCuda);
  int32_t op = int32_t(r.int64(0, cpu::kNumUnaryOps - 1, "op"));
  double p0 = r.num(), p1 = r.num();
  TensorView dx = r.view(0, "dx"), dy = r.view(1, "dy"), x = r.view(2, "x"), y = r.view(3, "y");
  if (!r.ok()) return info.Env().Undefined();
  if (!same_shape(dx, dy) || !same_shape(dx, x) || !same_shape(dx, y)) return r.fail("shapes differ");
  if (!is_float(dx) || !is_float(dy) || !is_float(x) || !is_float(y)) return r.fail("float32 only");
  if (r.on_cuda()) {
    cuda::unary_backward(dx, dy, x, y, op, p0, p1, r.stream());
  } else {
    r.launch(1, [=, isa = r.inst().isa] {
      TF_ISA_CALL(isa, cpu, unary_backward)(dx, dy, x, y, op, p0, p1);
    });
  }
  return info.Env().Undefined();
}

// where(y, cond, a, b) args: [view y, view cond, view a, view b]
TF_BINDING(where) {
  ArgReader r(info, "where", Kernels::CpuAndCuda);
  TensorView y = r.view(0, "out"), c = r.view(1, "condition"), a = r.view(2, "a"), b = r.view(3, "b");
  if (!r.ok()) return info.Env().Undefined();
  if (!same_shape(y, c) || !same_shape(y, a) || !same_shape(y, b)) return r.fail("shapes differ");
  if (c.dtype != DType::Bool) return r.fail("condition must be bool");
  if (a.dtype != y.dtype || b.dtype != y.dtype) return r.fail("dtypes differ");
  if (r.on_cuda()) {
    cuda::where(y, c, a, b, r.stream());
  } else {
    r.launch(1, [=, isa = r.inst().isa] {
      TF_ISA_CALL(isa, cpu, where)(y, c, a, b);
    });
  }
  return info.Env().Undefined();
}

// cast(y, x) args: [view y, view x]  (also the strided copy used by contiguous())
TF_BINDING(cast) {
  ArgReader r(info, "cast", Kernels::CpuAndCuda);
  TensorView y = r.view(0, "out"), x = r.view(1, "x");
  if (!r.ok()) return info.Env().Undefined();
  if (!same_shape(y, x)) return r.fail("shapes differ");
  if (r.on_cuda()) {
    cuda::cast(y, x, r.stream());
  } else {
    r.launch(1, [=, isa = r.inst().isa] {
      TF_ISA_CALL(isa, cpu, cast)(y, x);
    });
  }
  return info.Env().Undefined();
}

// fill(y) args: [value, view y]
TF_BINDING(fill) {
  ArgReader r(info, "fill", Kernels::CpuAndCuda);
  double value = r.num();
  TensorView y = r.view(0, "out");
  if (!r.ok()) return info.Env().Undefined();
  if (r.on_cuda()) {
    cuda::fill(y, value, r.stream());
  } else {
    r.launch(1, [=, isa = r.inst().isa] {
      TF_ISA_CALL(isa, cpu, fill)(y, value);
    });
  }
  return info.Env().Undefined();
}

}  // namespace
}  // namespace tf
