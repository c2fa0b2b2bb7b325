/** 2-D resampling of NCHW tensors on the native kernels (native/cpu/upsample), like
 * torch.nn.functional.interpolate: modes 'nearest' (PyTorch's legacy nearest) and 'bilinear'. */
import { native, args } from '../native';
import { Tensor } from '../tensor';
import { fmtShape, rangeError, typeError } from '../errors';
import { record } from '../autograd/engine';
import { isGradEnabled } from '../autograd/grad_mode';
import { checkFloat, intPair } from './conv';

export type InterpolateMode = 'nearest' | 'bilinear';

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

/**
 * Resamples x [N, C, H, W] to `size` or by `scaleFactor`, like
 * torch.nn.functional.interpolate (4-D input; 'nearest' and 'bilinear').
 * @example const y = interpolate(randn([1, 3, 8, 8]), { scaleFactor: 2, mode: 'bilinear' });  // [1, 3, 16, 16]
 */
export function interpolate(input: Tensor, opts: InterpolateOptions): Tensor {
  const op = 'interpolate';
  const x0 = checkFloat(op, input, 'input');
  if (x0.ndim !== 4) throw rangeError(op, `input must be 4-D (N, C, H, W), got ${fmtShape(x0.shape)}`);
  if (typeof opts !== 'object' || opts === null) throw typeError(op, 'options { size | scaleFactor, mode, alignCorners } are required');
  const mode = opts.mode ?? 'nearest';
  if (!Object.prototype.hasOwnProperty.call(MODE_CODE, mode)) {
    throw rangeError(op, `mode must be one of ${Object.keys(MODE_CODE).join(', ')}, got ${JSON.stringify(mode)}`);
  }
  const hasSize = opts.size !== undefined && opts.size !== null;
  const hasScale = opts.scaleFactor !== undefined && opts.scaleFactor !== null;
  if (hasSize === hasScale) {
    throw typeError(op, hasSize ? 'only one of size and scaleFactor may be given' : 'either size or scaleFactor must be given');
  }
  if (opts.alignCorners !== undefined && typeof opts.alignCorners !== 'boolean') {
    throw typeError(op, `alignCorners must be a boolean, got ${typeof opts.alignCorners}`);
  }
  if (opts.recomputeScaleFactor !== undefined && typeof opts.recomputeScaleFactor !== 'boolean') {
    throw typeError(op, `recomputeScaleFactor must be a boolean, got ${typeof opts.recomputeScaleFactor}`);
  }
  if (opts.alignCorners !== undefined && mode === 'nearest') {
    throw rangeError(op, "alignCorners can only be set for mode 'bilinear'");
  }
  const [H, W] = x0.shape.slice(2);
  if (H < 1 || W < 1) throw rangeError(op, `input ${fmtShape(x0.shape)} must have non-empty spatial dims`);
  let OH: number, OW: number, factors: [number, number] = [0, 0];
  if (hasSize) {
    [OH, OW] = intPair(op, 'size', opts.size, 1);
  } else {
    const sf = scalePair(op, opts.scaleFactor);
    OH = Math.floor(H * sf[0]);
    OW = Math.floor(W * sf[1]);
    if (OH < 1 || OW < 1) {
      throw rangeError(op, `scaleFactor ${JSON.stringify(opts.scaleFactor)} gives an empty output ${fmtShape([OH, OW])} for input ${fmtShape(x0.shape)}`);
    }
    // NOTE: like PyTorch, the given factors (not OH/H) set the sampling grid unless recomputed.
    if (!opts.recomputeScaleFactor) factors = sf;
  }
  const x = x0.isContiguous() ? x0 : x0.contiguous();
  const params = (): void => {
    args.reset().num(MODE_CODE[mode]).num(opts.alignCorners ? 1 : 0).num(factors[0]).num(factors[1]);
  };
  const out = Tensor.empty([x.shape[0], x.shape[1], OH, OW]);
  params();
  args.view(out).view(x);
  native.interpolateForward(out.handle(op), x.handle(op));
  if (isGradEnabled() && x.requiresGrad) {
    record(op, out, [x], (g) => {
      const dx = Tensor.empty(x.shape), dy = g.isContiguous() ? g : g.contiguous();
      params();
      args.view(dx).view(dy);
      native.interpolateBackward(dx.handle(op), dy.handle(op));
      return [dx];
    });
  }
  return out;
}
