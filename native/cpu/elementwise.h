// Elementwise kernels over strided views. Every input view is already broadcast to the
// output's shape (stride 0 on broadcast dims) by the caller; views may overlap only when
// an input is exactly the output (in-place).
#pragma once
#include "tensorforge/view.h"

namespace tf {
namespace cpu {

// NOTE: codes are shared with lib/ops/codes.ts; change both together.
enum BinaryOp : int32_t {
  kAdd = 0, kSub, kMul, kDiv, kPow, kMaximum, kMinimum,
  kEq, kNe, kLt, kLe, kGt, kGe, kLogicalAnd, kLogicalOr, kAtan2, kFloorDivide, kRemainder,
  kNumBinaryOps
};
enum UnaryOp : int32_t {
  kNeg = 0, kAbs, kExp, kLog, kSqrt, kRelu, kLeakyRelu, kElu, kGelu, kSigmoid, kTanh,
  kSoftplus, kClamp, kPowScalar, kRsqrt, kSquare, kSin, kCos, kReciprocal, kSign,
  kFloor, kCeil, kRound, kAffine, kLog1p, kExpm1, kLogicalNot, kGeluTanh, kSilu,
  kNumUnaryOps
};

inline bool binary_is_comparison(int32_t op) { return op >= kEq && op <= kLogicalOr; }

TF_DECL_ALL(
// y[...] = a op b. Arithmetic: a, b, y share a dtype (F32, I32 or U8; kDiv/kAtan2 F32 only,
// kPow F32 or I32); I32 wraps modulo 2^32 (tensorforge/int_math.h); integer kFloorDivide and
// kRemainder give 0 for a zero divisor (callers refuse one first). Comparisons/logical:
// a, b share a dtype, y is Bool.
void binary(const TensorView& y, const TensorView& a, const TensorView& b, int32_t op))

TF_DECL_ALL(
// y = f(x; p0, p1). F32 for all ops; I32 for kNeg kAbs kSquare kSign kClamp kAffine;
// Bool for kLogicalNot. p0/p1: kLeakyRelu slope, kElu alpha, kSoftplus beta/threshold,
// kClamp min/max, kPowScalar exponent, kAffine y = x*p0 + p1 (I32: bounds saturate to int32,
// p0/p1 truncate and the result wraps modulo 2^32).
void unary(const TensorView& y, const TensorView& x, int32_t op, double p0, double p1))

TF_DECL_ALL(
// dx = dy * f'(x) for the differentiable unary ops (F32). y = f(x) is given where the
// derivative is cheaper from it (sigmoid, tanh, exp, sqrt); pass x again otherwise.
void unary_backward(const TensorView& dx, const TensorView& dy, const TensorView& x,
                    const TensorView& y, int32_t op, double p0, double p1))

TF_DECL_ALL(
// y = cond ? a : b; cond Bool, a/b/y one dtype.
void where(const TensorView& y, const TensorView& cond, const TensorView& a, const TensorView& b))

TF_DECL_ALL(
// y = (dtype of y) x, for any pair of dtypes; a strided copy when they match.
// Float to integer truncates toward zero; NaN/out-of-range floats saturate (never UB).
void cast(const TensorView& y, const TensorView& x))

TF_DECL_ALL(
// y[...] = value (converted to y's dtype).
void fill(const TensorView& y, double value))

}  // namespace cpu
}  // namespace tf
