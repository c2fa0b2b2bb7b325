/**
 * Elementwise ops: the binary table (NumPy broadcasting, PyTorch type promotion) and the
 * unary table, each entry a native kernel code plus its backward formula.
 */
import { dispatch } from './kernels';
import { Tensor, type Device } from '../tensor';
import { promoteTypes, type DType } from '../dtype';
import { fmtShape, rangeError, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';
import { BinaryOp, UnaryOp } from './codes';
import { broadcastShapes, checkTensor, expandedView, sameShape, scalarDType, scalarTensor, type TensorLike, type Scalar } from './util';
import { sumTo } from './reduce';
import { castTo } from './cast';
import { registerOp } from './table';
import { checkOptions } from '../options';
import { rand, randint, tensor } from './creation';
import { declareKernels, BOTH, type KernelsOf } from './kernels';

// ---- the native bindings of this family (native/binding/elementwise.cpp): see KERNELS in ./kernels ----
const ELEMENTWISE_KERNELS = declareKernels({
  binary: { params: ['op'], tensors: ['y', 'a', 'b'], devices: BOTH },
  unary: { params: ['op', 'p0', 'p1'], tensors: ['y', 'x'], devices: BOTH },
  unaryBackward: { params: ['op', 'p0', 'p1'], tensors: ['dx', 'dy', 'x', 'y'], devices: BOTH },
  where: { params: [], tensors: ['y', 'cond', 'a', 'b'], devices: BOTH },
  /** Strided copy with dtype conversion (also `contiguous()` and `copy_`). */
  cast: { params: [], tensors: ['y', 'x'], devices: BOTH },
  fill: { params: ['value'], tensors: ['y'], devices: BOTH },
} as const);
declare module './kernels' { interface KernelRegistry extends KernelsOf<typeof ELEMENTWISE_KERNELS> {} }


type BinaryGrad = (g: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null];

/** intDivision: an integer result refuses a zero divisor (PyTorch's ZeroDivisionError). */
interface BinaryDef { code: BinaryOp; compare?: boolean; floatOnly?: boolean; intDivision?: boolean; grad?: BinaryGrad }

/** The binary op table: native code + gradient (inputs as broadcast; reduced by sumTo). */
const BINARY: Record<string, BinaryDef> = {
  add: { code: BinaryOp.Add, grad: (g) => [g, g] },
  sub: { code: BinaryOp.Sub, grad: (g) => [g, g.neg()] },
  mul: { code: BinaryOp.Mul, grad: (g, a, b) => [g.mul(b), g.mul(a)] },
  div: { code: BinaryOp.Div, floatOnly: true, grad: (g, a, b, out) => [g.div(b), g.mul(out).div(b).neg()] },
  pow: {
    code: BinaryOp.Pow, floatOnly: true,
    grad: (g, a, b, out) => [g.mul(b).mul(a.pow(b.sub(1))), b.requiresGrad ? g.mul(out).mul(a.log()) : null],
  },
  maximum: { code: BinaryOp.Maximum, grad: (g, a, b) => minMaxGrad(g, a, b, 'gt') },
  minimum: { code: BinaryOp.Minimum, grad: (g, a, b) => minMaxGrad(g, a, b, 'lt') },
  atan2: {
    code: BinaryOp.Atan2, floatOnly: true,
    grad: (g, a, b) => { const d = a.square().add(b.square()); return [g.mul(b).div(d), g.mul(a).div(d).neg()]; },
  },
  // Python's // and % (the remainder takes the divisor's sign); integer or float like add.
  floorDivide: { code: BinaryOp.FloorDivide, intDivision: true },
  remainder: { code: BinaryOp.Remainder, intDivision: true, grad: (g, a, b) => [g, g.mul(a.floorDivide(b)).neg()] },
  eq: { code: BinaryOp.Eq, compare: true }, ne: { code: BinaryOp.Ne, compare: true },
  lt: { code: BinaryOp.Lt, compare: true }, le: { code: BinaryOp.Le, compare: true },
  gt: { code: BinaryOp.Gt, compare: true }, ge: { code: BinaryOp.Ge, compare: true },
  logicalAnd: { code: BinaryOp.LogicalAnd, compare: true }, logicalOr: { code: BinaryOp.LogicalOr, compare: true },
};

/** Arithmetic on two bool operands, as PyTorch: add and maximum are logical or, mul and minimum
 * logical and (results bool); sub throws as PyTorch does. div/pow/atan2 compute in float32. */
const BOOL_ARITHMETIC: Record<string, BinaryOp> = {
  add: BinaryOp.LogicalOr, maximum: BinaryOp.LogicalOr, mul: BinaryOp.LogicalAnd, minimum: BinaryOp.LogicalAnd,
};
function boolArithmetic(name: string): BinaryOp {
  const code = BOOL_ARITHMETIC[name];
  if (code !== undefined) return code;
  throw typeError(name, name === 'sub'
    ? 'subtraction of two bool tensors is not supported (as in PyTorch); use ne (exclusive or) or logicalNot'
    : `not defined for two bool operands; cast with .to('int32')`);
}

// Ties send half the gradient to each side, as PyTorch does.
function minMaxGrad(g: Tensor, a: Tensor, b: Tensor, cmp: 'gt' | 'lt'): [Tensor, Tensor] {
  const aWins = a[cmp](b).to('float32'), tie = a.eq(b).to('float32').mul(0.5);
  const wa = aWins.add(tie);
  return [g.mul(wa), g.mul(wa.neg().add(1))];
}

function toOperand(op: string, x: TensorLike, arg: string): Tensor | Scalar {
  if (typeof x === 'number' || typeof x === 'boolean') return x;
  return checkTensor(op, x, arg);
}

/** Runs a binary op from the table on tensors or scalars. */
export function binary(name: string, a: TensorLike, b: TensorLike): Tensor {
  const def = BINARY[name];
  let ta = toOperand(name, a, 'input'), tb = toOperand(name, b, 'other');
  if (!(ta instanceof Tensor) && !(tb instanceof Tensor)) throw typeError(name, 'at least one operand must be a Tensor');
  // Fast path: float tensor with a scalar for add/sub/mul is one affine kernel.
  // NaN/Inf scalars take the general path (x * inf is NaN at 0, which x * s + 0 would not give).
  if (ta instanceof Tensor && typeof tb === 'number' && ta.dtype === 'float32' && Number.isFinite(tb)) {
    if (name === 'add') return affine(ta, 1, tb);
    if (name === 'sub') return affine(ta, 1, -tb);
    if (name === 'mul') return affine(ta, tb, 0);
  }
  const da = ta instanceof Tensor ? ta.dtype : null, db = tb instanceof Tensor ? tb.dtype : null;
  let dtype: DType;
  if (da && db) dtype = promoteTypes(da, db);
  else {
    // A scalar does not widen an integer tensor unless it is fractional (PyTorch rules).
    const td = (da ?? db) as DType, s = (ta instanceof Tensor ? tb : ta) as Scalar;
    dtype = scalarDType(s) === 'float32' ? 'float32' : (td === 'bool' && typeof s === 'number' ? 'int32' : td);
  }
  // NOTE: pow keeps int32 (exact, wrapping modulo 2^32) as PyTorch does; div, atan2 and pow
  // of other dtypes compute in float32.
  if (def.floatOnly && !(name === 'pow' && dtype === 'int32')) dtype = 'float32';
  else if (name === 'pow' && dtype === 'int32') checkIntExponent(ta, tb);
  let code = def.code;
  if (!def.compare && dtype === 'bool') code = boolArithmetic(name);
  // NOTE: the common case (two tensors of the op's dtype, same shape) allocates nothing
  // here: no temporaries list, no broadcast shape (per-op overhead, bench/overhead.ts).
  const device = (ta instanceof Tensor ? ta : tb as Tensor).device;
  const A = ta instanceof Tensor && ta.dtype === dtype ? ta : operandAs(ta, dtype, device);
  const B = tb instanceof Tensor && tb.dtype === dtype ? tb : operandAs(tb, dtype, device);
  const temps = A === ta ? (B === tb ? null : [B]) : (B === tb ? [A] : [A, B]);
  if (A.device !== B.device) {
    if (temps) for (const t of temps) t.dispose();
    throw typeError(name, `tensors are on different devices: ${A.device} and ${B.device}`);
  }
  if (def.intDivision && dtype !== 'float32' && hasZero(tb, B)) {
    if (temps) for (const t of temps) t.dispose();
    const what = tb instanceof Tensor ? `the ${dtype} divisor of shape ${fmtShape(tb.shape)} has a zero element` : `the divisor is ${String(tb)}`;
    throw rangeError(name, `ZeroDivisionError: integer division by zero (${what}); cast to float32 for IEEE results`);
  }
  const shape = sameShape(A.shape, B.shape) ? A.shape : broadcastShapes(name, A.shape, B.shape);
  const out = Tensor.empty(shape, def.compare ? 'bool' : dtype, A.device);
  if (out.numel) {
    dispatch('binary').num(code).t(out).t(A, expandedView(A, shape)).t(B, expandedView(B, shape)).run();
  }
  const grad = def.grad;
  if (grad && isGradEnabled() && (A.requiresGrad || B.requiresGrad)) recordBinary(name, grad, out, A, B);
  else if (temps) for (const t of temps) t.dispose();
  return out;
}

/** Whether an integer divisor (the scalar as given, or its tensor) has a zero element. Reads
 * the tensor back (a sync in async mode), so only integer floorDivide/remainder pay for it. */
function hasZero(given: Tensor | Scalar, divisor: Tensor): boolean {
  if (!(given instanceof Tensor)) return Number(given) === 0;
  if (!divisor.numel) return false;
  const zero = divisor.eq(0), asInt = zero.to('int32'), any = asInt.max();
  const found = any.item() !== 0;
  for (const t of [zero, asInt, any]) t.dispose();
  return found;
}

/** An int32 pow's scalar exponent: PyTorch refuses a negative one (a tensor of exponents
 * follows its integer pow instead: 1 and -1 keep their magnitude, anything else gives 0). */
function checkIntExponent(base: Tensor | Scalar, exponent: Tensor | Scalar): void {
  if (typeof exponent !== 'number') return;
  const what = base instanceof Tensor ? `int32 input of shape ${fmtShape(base.shape)}` : `base ${String(base)}`;
  if (exponent < 0) {
    throw rangeError('pow', `Integers to negative integer powers are not allowed (${what} ** ${exponent}); ` +
      `cast the input with .to('float32') for a fractional result`);
  }
  if (exponent > 2147483647) throw rangeError('pow', `exponent ${exponent} does not fit in int32 (${what})`);
}

// NOTE: out of binary() so that binary itself creates no closure (V8 would allocate the
// closure's context on every call, recording or not).
function recordBinary(name: string, grad: BinaryGrad, out: Tensor, A: Tensor, B: Tensor): void {
  record(name, out, [A, B], (g) => {
    const [ga, gb] = grad(g, A, B, out);
    return [ga && A.requiresGrad ? sumTo(ga, A.shape) : null, gb && B.requiresGrad ? sumTo(gb, B.shape) : null];
  }, name === 'add' || name === 'sub' ? NONE : name === 'div' || name === 'pow' ? [A, B, out] : [A, B]);
}
const NONE: readonly Tensor[] = [];

/** A scalar as a 0-d tensor, or a tensor cast to `dtype`: a temporary the caller disposes. */
function operandAs(x: Tensor | Scalar, dtype: DType, device: Device): Tensor {
  return x instanceof Tensor ? castTo(x, dtype) : scalarTensor(x, dtype, device);
}

/** y = x * scale + shift (float32). */
function affine(x: Tensor, scale: number, shift: number): Tensor {
  return unary('affine', x, scale, shift);
}

interface UnaryDef { code: UnaryOp; intOk?: boolean; boolOnly?: boolean; noGrad?: boolean }

/** The unary op table; gradients come from the native unaryBackward kernel. */
const UNARY: Record<string, UnaryDef> = {
  neg: { code: UnaryOp.Neg, intOk: true }, abs: { code: UnaryOp.Abs, intOk: true },
  exp: { code: UnaryOp.Exp }, log: { code: UnaryOp.Log }, sqrt: { code: UnaryOp.Sqrt },
  rsqrt: { code: UnaryOp.Rsqrt }, relu: { code: UnaryOp.Relu }, leakyRelu: { code: UnaryOp.LeakyRelu },
  elu: { code: UnaryOp.Elu }, gelu: { code: UnaryOp.Gelu }, geluTanh: { code: UnaryOp.GeluTanh },
  silu: { code: UnaryOp.Silu }, sigmoid: { code: UnaryOp.Sigmoid }, tanh: { code: UnaryOp.Tanh },
  softplus: { code: UnaryOp.Softplus }, clamp: { code: UnaryOp.Clamp, intOk: true },
  powScalar: { code: UnaryOp.PowScalar }, square: { code: UnaryOp.Square, intOk: true },
  sin: { code: UnaryOp.Sin }, cos: { code: UnaryOp.Cos }, reciprocal: { code: UnaryOp.Reciprocal },
  sign: { code: UnaryOp.Sign, intOk: true, noGrad: true }, floor: { code: UnaryOp.Floor, noGrad: true },
  ceil: { code: UnaryOp.Ceil, noGrad: true }, round: { code: UnaryOp.Round, noGrad: true },
  affine: { code: UnaryOp.Affine, intOk: true }, log1p: { code: UnaryOp.Log1p }, expm1: { code: UnaryOp.Expm1 },
  logicalNot: { code: UnaryOp.LogicalNot, boolOnly: true, noGrad: true },
};

/** Whether an int32 input keeps its dtype under these parameters: integral clamp bounds
 * (infinite ones too) and affine factors. */
function intParams(code: UnaryOp, p0: number, p1: number): boolean {
  if (code !== UnaryOp.Clamp && code !== UnaryOp.Affine) return true;
  const whole = (v: number): boolean => Number.isInteger(v) || (code === UnaryOp.Clamp && Math.abs(v) === Infinity);
  return whole(p0) && whole(p1);
}

/** The public names of table entries that share a kernel code (for messages). */
const USER_NAME: Record<string, string> = { powScalar: 'pow', geluTanh: 'gelu', affine: 'mul' };

export function unary(name: string, xIn: Tensor, p0 = 0, p1 = 0): Tensor {
  const def = UNARY[name];
  let x = checkTensor(name, xIn, 'input');
  if (!Number.isFinite(p0) && name !== 'clamp' && name !== 'powScalar') {
    throw typeError(USER_NAME[name] ?? name, `parameter must be a finite number, got ${p0}`);
  }
  if (def.boolOnly) {
    if (x.dtype !== 'bool') x = x.ne(0);
  } else if (x.dtype === 'bool' || x.dtype === 'uint8' || (x.dtype === 'int32' && (!def.intOk || !intParams(def.code, p0, p1)))) {
    // Integer math promotes to float like torch.exp(int_tensor), and so do fractional clamp
    // bounds and affine factors (torch.tensor([1, 2]).clamp(0.5) is float).
    x = castTo(x, 'float32');
  }
  // PyTorch's clamp is min(max(x, min), max): min > max gives max everywhere, for every caller.
  if (def.code === UnaryOp.Clamp && p0 > p1) p0 = p1;
  const out = Tensor.empty(x.shape, x.dtype, x.device);
  if (out.numel) {
    dispatch('unary').num(def.code).num(p0).num(p1).t(out).t(x).run();
  }
  if (!def.noGrad && isGradEnabled() && x.requiresGrad) recordUnary(name, def.code, out, x, p0, p1);
  return out;
}

// NOTE: out of unary() so unary itself creates no closure context per call (see recordBinary).
function recordUnary(name: string, code: UnaryOp, out: Tensor, x: Tensor, p0: number, p1: number): void {
  // NOTE: the native backward reads x or y depending on the op; both are saved (neg and
  // affine read neither).
  record(name, out, [x], (g) => [unaryBackward(code, g, x, out, p0, p1)],
    code === UnaryOp.Neg || code === UnaryOp.Affine ? NONE : [x, out]);
}

function unaryBackward(code: UnaryOp, g: Tensor, x: Tensor, y: Tensor, p0: number, p1: number): Tensor {
  const dx = Tensor.empty(x.shape, 'float32', x.device);
  if (dx.numel) {
    dispatch('unaryBackward').num(code).num(p0).num(p1).t(dx).t(g).t(x).t(y).run();
  }
  return dx;
}

/**
 * Elementwise select: condition ? a : b, broadcasting all three.
 * @example
 * const x = tensor([-2, 0, 3]);
 * console.log(where(x.gt(0), x, 0).toArray());   // [0, 0, 3]
 */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const c = checkTensor('where', condition, 'condition');
  if (c.dtype !== 'bool') throw typeError('where', `condition must be a bool tensor, got ${c.dtype}`);
  const ta = a instanceof Tensor ? a : null, tb = b instanceof Tensor ? b : null;
  const dtype: DType = ta && tb ? promoteTypes(ta.dtype, tb.dtype) : (ta ?? tb)?.dtype ?? 'float32';
  const A = a instanceof Tensor ? (a.dtype === dtype ? a : castTo(a, dtype)) : scalarTensor(a, dtype, c.device);
  const B = b instanceof Tensor ? (b.dtype === dtype ? b : castTo(b, dtype)) : scalarTensor(b, dtype, c.device);
  for (const t of [A, B]) {
    if (t.device !== c.device) throw typeError('where', `tensors are on different devices: ${c.device} and ${t.device}`);
  }
  const shape = broadcastShapes('where', broadcastShapes('where', c.shape, A.shape), B.shape);
  const out = Tensor.empty(shape, dtype, c.device);
  if (out.numel) {
    dispatch('where').t(out).t(c, expandedView(c, shape)).t(A, expandedView(A, shape)).t(B, expandedView(B, shape)).run();
  }
  if (isGradEnabled() && (A.requiresGrad || B.requiresGrad)) {
    record('where', out, [A, B], (g) => {
      const zero = scalarTensor(0, 'float32', c.device);
      return [A.requiresGrad ? sumTo(where(c, g, zero), A.shape) : null,
        B.requiresGrad ? sumTo(where(c, zero, g), B.shape) : null];
    });
  }
  return out;
}

/** In-place binary op on `self` (used by optimizers and grad accumulation). */
export function binaryInPlace(name: string, self: Tensor, other: TensorLike): Tensor {
  checkTensor(`${name}_`, self, 'self');
  const onGraph = isGradEnabled() && self.requiresGrad;
  if (onGraph && self.isLeaf) {
    throw new Error(`${name}_: a leaf tensor that requires grad cannot be modified in place; wrap the update in noGrad()`);
  }
  if (onGraph && (other instanceof Tensor && other.requiresGrad || !IN_PLACE_GRAD[name])) {
    throw new Error(`${name}_: an in-place ${name} on a tensor in the graph ${fmtShape(self.shape)} is only differentiable ` +
      `for add/sub/mul/div by a constant; use the out-of-place ${name}()`);
  }
  // The tensor's history before this write, for the gradient of the rebased graph.
  const prev = onGraph ? historyAlias(self) : null;
  const def = BINARY[name];
  const B = other instanceof Tensor ? checkTensor(`${name}_`, other, 'other') : scalarTensor(other, self.dtype, self.device);
  if (B.device !== self.device) throw typeError(`${name}_`, `tensors are on different devices: ${self.device} and ${B.device}`);
  const Bc = B.dtype === self.dtype ? B : castTo(B, self.dtype);
  const shape = broadcastShapes(`${name}_`, self.shape, Bc.shape);
  if (!sameShape(shape, self.shape)) {
    throw typeError(`${name}_`, `other of shape ${fmtShape(Bc.shape)} cannot be broadcast to self ${fmtShape(self.shape)} in place`);
  }
  if (self.numel) {
    dispatch('binary').num(def.code).t(self).t(self).t(Bc, expandedView(Bc, shape)).run();
  }
  self.bumpVersion_();
  if (prev) {
    const c = other, grad = IN_PLACE_GRAD[name];
    record(`${name}_`, self, [prev], (g) => [grad(g, c)], c instanceof Tensor ? [c] : []);
  }
  if (Bc !== other) Bc.dispose();
  if (B !== other && B !== Bc) B.dispose();
  return self;
}

/** Gradients of the in-place forms through a constant `c` (d self_new / d self_old · g). */
const IN_PLACE_GRAD: Record<string, (g: Tensor, c: TensorLike) => Tensor> = {
  add: (g) => g, sub: (g) => g, mul: (g, c) => g.mul(c), div: (g, c) => g.div(c),
};

/** A view of t that carries t's current history (gradFn), before t is rebased onto an in-place op. */
function historyAlias(t: Tensor): Tensor {
  const prev = t.view_(t.shape, t.strides, t.offset);
  prev.requiresGrad = true;
  prev.gradFn = t.gradFn;
  return prev;
}

/** Fills self with a value in place. */
export function fillInPlace(self: Tensor, value: number): Tensor {
  checkTensor('fill_', self, 'self');
  if (!Number.isFinite(value) && self.dtype !== 'float32') throw typeError('fill_', `value ${value} is not representable in ${self.dtype}`);
  if (self.numel) dispatch('fill').num(value).t(self).run();
  self.bumpVersion_();
  return self;
}

/** Copies src (broadcast, cast) into self in place. */
export function copyInPlace(self: Tensor, src: Tensor): Tensor {
  checkTensor('copy_', self, 'self');
  checkTensor('copy_', src, 'src');
  if (src.device !== self.device) throw typeError('copy_', `src is on ${src.device} but self is on ${self.device}; move it with src.to('${self.device}')`);
  const shape = broadcastShapes('copy_', self.shape, src.shape);
  if (!sameShape(shape, self.shape)) {
    throw typeError('copy_', `src of shape ${fmtShape(src.shape)} cannot be broadcast to ${fmtShape(self.shape)}`);
  }
  if (self.numel) {
    dispatch('cast').t(self).t(src, expandedView(src, shape)).run();
  }
  self.bumpVersion_();
  return self;
}

// ---- the elementwise ops in the op table (schema + samples for the generated tests) ----

const ALL: readonly DType[] = ['float32', 'int32', 'uint8', 'bool'];
/** Shapes that broadcast: equal, trailing, both sides, empty, scalar, odd and threaded sizes. */
const PAIRS: [number[], number[]][] = [[[7], [7]], [[3, 5], [5]], [[3, 1], [1, 4]], [[0, 3], [1, 3]], [[], [2, 3]], [[17, 33], [17, 33]]];
/** Operand ranges that keep each op smooth and away from its poles. */
const RANGE: Record<string, [number, number, number, number]> = {
  div: [-2, 2, 0.5, 2], pow: [0.5, 2, -1.5, 1.5], atan2: [-2, 2, 0.5, 2], floorDivide: [-3, 3, 0.5, 2], remainder: [-3, 3, 0.5, 2],
};
const uniform = (shape: number[], lo: number, hi: number): Tensor => rand(shape, { low: lo, high: hi });
/** Ops with points where the gradient jumps (ties; remainder's steps at multiples of the divisor):
 * only a sample with operands away from those points is gradchecked. */
const TIES = new Set(['maximum', 'minimum', 'remainder']);

for (const [name, def] of Object.entries(BINARY)) {
  const [alo, ahi, blo, bhi] = RANGE[name] ?? [-2, 2, -2, 2];
  registerOp({
    name, kernels: ['binary'], inputs: [{ name: 'input', dtypes: ALL }, { name: 'other', dtypes: ALL }], optionKeys: [],
    differentiable: def.grad !== undefined,
    call: (inputs, opts) => { checkOptions(name, opts, []); return binary(name, inputs[0] as Tensor, inputs[1] as Tensor); },
    // NOTE: maximum/minimum are not differentiable at ties, which random operands approach
    // within a finite-difference step: only the sample with separated operands is gradchecked.
    samples: () => [
      ...PAIRS.map(([sa, sb]) => ({ note: `${JSON.stringify(sa)} with ${JSON.stringify(sb)}`, inputs: [uniform(sa, alo, ahi), uniform(sb, blo, bhi)], noGradcheck: TIES.has(name) })),
      { note: 'transposed and strided views', inputs: [uniform([6, 4], alo, ahi).t(), uniform([8, 6], blo, bhi).slice(0, 0, 8, 2)], noGradcheck: TIES.has(name) },
      { note: 'int32 with float32 (promotion)', inputs: [randint(1, 5, [4]), uniform([4], blo, bhi)], noGradcheck: true },
      ...(TIES.has(name) ? [{ note: 'separated operands', inputs: [tensor([0.5, -1, 1.7, 1.2]), tensor([1, -1.6, 0.6, 1.5])] }] : []),
    ],
  });
}

/** Each unary op's parameters: option names in kernel order with sample values. */
const UNARY_PARAMS: Record<string, [string, number][]> = {
  leakyRelu: [['negativeSlope', 0.1]], elu: [['alpha', 0.7]], softplus: [['beta', 2], ['threshold', 20]],
  clamp: [['min', -0.5], ['max', 0.7]], powScalar: [['exponent', 2.5]], affine: [['scale', 3], ['shift', -2]],
};
/** Domains where the op is defined and smooth (finite differences need no kinks within 1e-2). */
const DOMAIN: Record<string, [number, number]> = {
  log: [0.2, 3], sqrt: [0.2, 3], rsqrt: [0.2, 3], reciprocal: [0.3, 2], powScalar: [0.2, 2], log1p: [-0.5, 2],
};
const KINKS = new Set(['relu', 'leakyRelu', 'elu', 'abs', 'clamp', 'sign', 'floor', 'ceil', 'round']);

for (const [name, def] of Object.entries(UNARY)) {
  const params = UNARY_PARAMS[name] ?? [];
  const [lo, hi] = DOMAIN[name] ?? [-3, 3];
  const opts = Object.fromEntries(params);
  registerOp({
    name, kernels: ['unary', 'unaryBackward'], inputs: [{ name: 'input', dtypes: ALL }], optionKeys: params.map(([k]) => k),
    differentiable: !def.noGrad,
    call: (inputs, o) => {
      checkOptions(name, o, params.map(([k]) => k));
      const given = (o ?? {}) as Record<string, number>;
      return unary(name, inputs[0] as Tensor, given[params[0]?.[0]] ?? 0, given[params[1]?.[0]] ?? 0);
    },
    samples: () => [
      { note: 'odd size', inputs: [uniform([13], lo, hi)], options: opts, noGradcheck: KINKS.has(name) },
      { note: 'transposed view', inputs: [uniform([5, 3], lo, hi).t()], options: opts, noGradcheck: KINKS.has(name) },
      { note: 'size 0 and 1', inputs: [uniform([0, 1], lo, hi)], options: opts },
      { note: 'threaded size', inputs: [uniform([70001], lo, hi)], options: opts, noGradcheck: true },
    ],
  });
}
