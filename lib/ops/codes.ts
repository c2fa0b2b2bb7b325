/** Native op codes; each enum mirrors one in native/cpu/<family>.h. */
export const enum BinaryOp {
  Add = 0, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr, Atan2,
  FloorDivide, Remainder,
}
export const enum UnaryOp {
  Neg = 0, Abs, Exp, Log, Sqrt, Relu, LeakyRelu, Elu, Gelu, Sigmoid, Tanh, Softplus, Clamp, PowScalar,
  Rsqrt, Square, Sin, Cos, Reciprocal, Sign, Floor, Ceil, Round, Affine, Log1p, Expm1, LogicalNot,
  GeluTanh, Silu,
}
export const enum ReduceOp { Sum = 0, Mean, Max, Min, Argmax, Argmin, Var, Prod }
export const enum RandomKind { Uniform = 0, Normal, Bernoulli, Randint }
/** Mirrors GemmAct / GemmBias in native/cpu/gemm/gemm.h. */
export const enum GemmAct { None = 0, Relu = 1 }
export const enum GemmBias { None = 0, PerCol = 1, PerRow = 2 }
