/** 2-D resampling of NCHW tensors on the native kernels (native/cpu/upsample), like
 * torch.nn.functional.interpolate: modes 'nearest' (PyTorch's legacy nearest) and 'bilinear'. */
import { Tensor } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { intPair } from './conv';
import { dispatch } from './kernels';
import { defineOp, bool, oneOf, raw } from './table';
import { randn } from './creation';
import { declareKernels, BOTH, type KernelsOf } from './kernels';

// ---- the native bindings of this family (native/binding/upsample.cpp): see KERNELS in ./kernels ----
const INTERPOLATE_KERNELS = declareKernels({
  interpolateForward: { params: ['mode', 'alignCorners', 'scaleFactorH', 'scaleFactorW'], tensors: ['y', 'x'], devices: BOTH },
  interpolateBackward: { params: ['mode', 'alignCorners', 'scaleFactorH', 'scaleFactorW'], tensors: ['dx', 'dy'], devices: BOTH },
} as const);
declare module './kernels' { interface KernelRegistry extends KernelsOf<typeof INTERPOLATE_KERNELS> {} }


/**
 * How `interpolate` samples: nearest neighbour or bilinear.
 * @example
 * const mode: InterpolateMode = 'nearest';
 * const y = interpolate(randn([1, 1, 4, 4]), { size: [8, 6], mode });
 */
export type InterpolateMode = 'nearest' | 'bilinear';

/**
 * Options of `interpolate`.
 * @example
 * const opts: InterpolateOptions = { scaleFactor: 2, mode: 'bilinear', alignCorners: false };
 * const y = interpolate(randn([1, 3, 8, 8]), opts);   // [1, 3, 16, 16]
 */
export interface InterpolateOptions {
  /** Output [OH, OW] (a number for both); exactly one of size and scaleFactor. */
  size?: number | [number, number];
  /** Output = floor(input * scaleFactor) per spatial dim (a number for both). */
  scaleFactor?: number | [number, number];
  /** Default 'nearest'. */
  mode?: InterpolateMode;
  /** bilinear only: corner pixels of input and output align (default false). */
  alignCorners?: boolean;
  /** With scaleFactor: sample with the scale implied by the output size instead of the given one. */
  recomputeScaleFactor?: boolean;
}

const MODE_CODE: Record<InterpolateMode, number> = { nearest: 0, bilinear: 1 };

function scalePair(op: string, v: unknown): [number, number] {
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? v : null;
  if (!p || !p.every((s) => typeof s === 'number' && Number.isFinite(s))) {
    throw typeError(op, `scaleFactor must be a finite number or a pair of them, got ${JSON.stringify(v)}`);
  }
  if (p[0] <= 0 || p[1] <= 0) throw rangeError(op, `scaleFactor must be positive, got ${JSON.stringify(v)}`);
  return [p[0], p[1]];
}

interface Interp { size: number | [number, number] | null; scaleFactor: number | [number, number] | null; mode: InterpolateMode;
  alignCorners: boolean | null; recomputeScaleFactor: boolean }

const interpolateOp = defineOp<Interp, { params: number[]; xShape: number[] }>({
  name: 'interpolate',
  kernels: ['interpolateForward', 'interpolateBackward'],
  inputs: [{ name: 'input', dtypes: ['float32'], ranks: [4], layouts: ['(N, C, H, W)'] }],
  options: {
    size: raw<number | [number, number] | null>(null), scaleFactor: raw<number | [number, number] | null>(null),
    mode: oneOf('mode', ['nearest', 'bilinear'], 'nearest'),
    alignCorners: (op, v) => (v === undefined || v === null ? null : bool('alignCorners', false)(op, v)),
    recomputeScaleFactor: bool('recomputeScaleFactor', false),
  },
  forward(ctx, [x0], o) {
    const op = 'interpolate';
    const hasSize = o.size !== null, hasScale = o.scaleFactor !== null;
    if (hasSize === hasScale) {
      throw typeError(op, hasSize ? 'only one of size and scaleFactor may be given' : 'either size or scaleFactor must be given');
    }
    if (o.alignCorners !== null && o.mode === 'nearest') throw rangeError(op, "alignCorners can only be set for mode 'bilinear'");
    const [H, W] = x0!.shape.slice(2);
    if (H < 1 || W < 1) throw rangeError(op, `input ${fmtShape(x0!.shape)} must have non-empty spatial dims`);
    let OH: number, OW: number, factors: [number, number] = [0, 0];
    if (hasSize) {
      [OH, OW] = intPair(op, 'size', o.size, 1);
    } else {
      const sf = scalePair(op, o.scaleFactor);
      OH = Math.floor(H * sf[0]);
      OW = Math.floor(W * sf[1]);
      if (OH < 1 || OW < 1) {
        throw rangeError(op, `scaleFactor ${JSON.stringify(o.scaleFactor)} gives an empty output ${fmtShape([OH, OW])} for input ${fmtShape(x0!.shape)}`);
      }
      // NOTE: like PyTorch, the given factors (not OH/H) set the sampling grid unless recomputed.
      if (!o.recomputeScaleFactor) factors = sf;
    }
    const x = x0!.isContiguous() ? x0! : x0!.contiguous();
    const params = [MODE_CODE[o.mode], o.alignCorners ? 1 : 0, factors[0], factors[1]];
    const out = Tensor.empty([x.shape[0], x.shape[1], OH, OW], 'float32', x.device);
    const call = dispatch('interpolateForward');
    for (const p of params) call.num(p);
    call.t(out).t(x).run();
    ctx.saved = { params, xShape: x.shape.slice() };
    return out;
  },
  backward({ saved: { params, xShape } }, g) {
    const dx = Tensor.empty(xShape, 'float32', g.device), dy = g.isContiguous() ? g : g.contiguous();
    const call = dispatch('interpolateBackward');
    for (const p of params) call.num(p);
    call.t(dx).t(dy).run();
    return [dx];
  },
  samples: () => [
    { note: 'nearest x2', inputs: [randn([2, 3, 4, 5])], options: { scaleFactor: 2 } },
    { note: 'nearest to an odd size', inputs: [randn([1, 2, 5, 3])], options: { size: [7, 4] } },
    { note: 'bilinear x1.5, non-contiguous', inputs: [randn([2, 4, 3, 6]).transpose(2, 3)], options: { scaleFactor: [1.5, 2], mode: 'bilinear' } },
    { note: 'bilinear alignCorners down', inputs: [randn([1, 1, 7, 6])], options: { size: [4, 3], mode: 'bilinear', alignCorners: true } },
    { note: 'bilinear recomputed scale, empty batch', inputs: [randn([0, 2, 3, 3])], options: { scaleFactor: 1.7, mode: 'bilinear', recomputeScaleFactor: true } },
  ],
});

/**
 * Resamples x [N, C, H, W] to `size` or by `scaleFactor`, like
 * torch.nn.functional.interpolate (4-D input; 'nearest' and 'bilinear').
 * @example const y = interpolate(randn([1, 3, 8, 8]), { scaleFactor: 2, mode: 'bilinear' });  // [1, 3, 16, 16]
 */
export function interpolate(input: Tensor, opts: InterpolateOptions): Tensor {
  if (opts === null || typeof opts !== 'object') throw typeError('interpolate', 'options { size | scaleFactor, mode, alignCorners } are required');
  return interpolateOp([input], opts);
}
