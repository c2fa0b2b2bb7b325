/**
 * Graph patterns the layer converters share: shape checks, Reshape with a symbolic batch,
 * Transpose, ReduceMean (whose axes moved from an attribute to an input at opset 18) and
 * normalisation over some axes written with primitive ops.
 */
import { fmtDims, isStatic, sameDim, type Dim, type OnnxGraph, type OnnxValue } from './graph';

/** Throws unless x has one of the ranks; `layout` names the expected layout in the message. */
export function checkRank(g: OnnxGraph, x: OnnxValue, ranks: readonly number[], layout: string): void {
  if (!ranks.includes(x.shape.length)) {
    throw g.error(`expected a ${ranks.join(' or ')}-D input ${layout}, got ${x.shape.length}-D input '${x.name}' ${fmtDims(x.shape)}`);
  }
}

/** Throws unless x.shape[axis] (negative counts from the end) is `want`. */
export function checkDim(g: OnnxGraph, x: OnnxValue, axis: number, want: number, what: string): void {
  const d = x.shape[axis < 0 ? x.shape.length + axis : axis];
  if (d !== want) throw g.error(`expected ${what} = ${want} in dim ${axis} of input '${x.name}' ${fmtDims(x.shape)}, got ${d}`);
}

/** x.shape[axis] as a number; throws for a symbolic size. */
export function staticDim(g: OnnxGraph, x: OnnxValue, axis: number, what: string): number {
  const d = x.shape[axis < 0 ? x.shape.length + axis : axis];
  if (!isStatic(d)) throw g.error(`${what} (dim ${axis} of input '${x.name}' ${fmtDims(x.shape)}) must have a fixed size, got '${d}'`);
  return d;
}

/** The product of some dims: a number, or a symbolic name such as 'batch*12'. */
export function dimProduct(dims: readonly Dim[]): Dim {
  const n = dims.filter(isStatic).reduce((a, b) => a * b, 1), sym = dims.filter((d) => !isStatic(d));
  return sym.length ? [...sym, ...(n !== 1 ? [n] : [])].join('*') : n;
}

/**
 * Reshape to `shape`: dims equal to the input's at the same position are copied (0), one
 * other symbolic dim becomes -1, the rest are written out.
 */
export function reshape(g: OnnxGraph, x: OnnxValue, shape: readonly Dim[]): OnnxValue {
  let free = 0;
  const spec = shape.map((d, i) => {
    if (i < x.shape.length && sameDim(d, x.shape[i])) return 0;
    if (isStatic(d)) return d;
    if (++free > 1) throw g.error(`cannot reshape ${fmtDims(x.shape)} to ${fmtDims(shape)}: more than one new symbolic dim`);
    return -1;
  });
  return g.op('Reshape', [x, g.int64s(`${g.path}.shape`, spec)], shape);
}

export function transpose(g: OnnxGraph, x: OnnxValue, perm: readonly number[]): OnnxValue {
  return g.op('Transpose', [x], perm.map((p) => x.shape[p]), { perm: perm.slice() });
}

/** ReduceMean over `axes` keeping them (opset 17: an attribute; 18+: an int64 input). */
export function reduceMean(g: OnnxGraph, x: OnnxValue, axes: readonly number[]): OnnxValue {
  const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  if (g.opset < 18) return g.op('ReduceMean', [x], shape, { axes: axes.slice(), keepdims: 1 });
  return g.op('ReduceMean', [x, g.int64s(`${g.path}.axes`, axes)], shape, { keepdims: 1 });
}

/** (x - mean) / sqrt(var + eps) with the biased mean and variance over `axes`. */
export function normalize(g: OnnxGraph, x: OnnxValue, axes: readonly number[], eps: number): OnnxValue {
  const centred = g.op('Sub', [x, reduceMean(g, x, axes)], x.shape);
  const variance = reduceMean(g, g.op('Mul', [centred, centred], x.shape), axes);
  const std = g.op('Sqrt', [g.op('Add', [variance, g.floats(`${g.path}.eps`, [eps], [])], variance.shape)], variance.shape);
  return g.op('Div', [centred, std], x.shape);
}

/** x * scale + shift with per-channel [C] weights broadcast over [N, C, ...] (either may be absent). */
export function channelAffine(g: OnnxGraph, x: OnnxValue, scale: OnnxValue | null, shift: OnnxValue | null): OnnxValue {
  let y = x;
  if (scale) y = g.op('Mul', [y, scale], x.shape);
  if (shift) y = g.op('Add', [y, shift], x.shape);
  return y;
}
