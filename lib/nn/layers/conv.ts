/** Convolution modules over lib/ops/conv: Conv1d, Conv2d, ConvTranspose2d (PyTorch layouts,
 * argument names and default initialisation). */
import { Tensor } from '../../tensor';
import { conv1d, conv2d, convTranspose2d, type IntPair } from '../../ops/conv';
import { rangeError } from '../../errors';
import { positionalOptions } from '../../options';
import { Module, type Parameter } from '../module';
import * as init from '../init';
import { configInt, registerLayer, type JsonValue, type LayerConfig, type ParamShapes } from '../../io/registry';

const pair = (v: IntPair): [number, number] => (Array.isArray(v) ? [v[0], v[1]] : [v, v]);
const fmt = (v: number[]): string => `(${v.join(', ')}${v.length === 1 ? ',' : ''})`;

function checkChannels(op: string, inC: number, outC: number, groups: number, kernel: number[]): void {
  for (const [n, v] of [['inChannels', inC], ['outChannels', outC]] as const) {
    if (!Number.isInteger(v) || v < 1) throw rangeError(op, `${n} must be a positive integer, got ${v}`);
  }
  if (!Number.isInteger(groups) || groups < 1) throw rangeError(op, `groups must be a positive integer, got ${groups}`);
  if (inC % groups !== 0) throw rangeError(op, `inChannels (${inC}) must be divisible by groups (${groups})`);
  if (outC % groups !== 0) throw rangeError(op, `outChannels (${outC}) must be divisible by groups (${groups})`);
  if (!kernel.every((k) => Number.isInteger(k) && k >= 1)) throw rangeError(op, `kernelSize must contain positive integers, got ${fmt(kernel)}`);
}

/** A conv config's weight and bias shapes (ConvTranspose2d's weight is [in, out/groups, ...k]). */
function* convShapes(op: string, c: LayerConfig, nd: 1 | 2, transposed: boolean): ParamShapes {
  const inC = configInt(op, c, 'inChannels', 1), outC = configInt(op, c, 'outChannels', 1), groups = configInt(op, c, 'groups', 1, 1);
  const k = typeof c.kernelSize === 'number' ? Array(nd).fill(c.kernelSize) : c.kernelSize;
  if (!Array.isArray(k) || k.length !== nd || !k.every((v) => Number.isSafeInteger(v) && (v as number) >= 1)) {
    throw rangeError(op, `config field kernelSize must be ${nd === 1 ? 'a positive integer' : 'a positive integer or a pair of them'}, got ${JSON.stringify(c.kernelSize)}`);
  }
  yield ['weight', transposed ? [inC, outC / groups, ...(k as number[])] : [outC, inC / groups, ...(k as number[])]];
  if (c.bias !== false) yield ['bias', [outC]];
}

// PyTorch's positional order after kernel_size: Conv2d(3, 16, 3, 1, 1) is stride 1, padding 1.
const CONV_NAMES = ['stride', 'padding', 'dilation', 'groups', 'bias'];
const CONV_T_NAMES = ['stride', 'padding', 'outputPadding', 'groups', 'bias', 'dilation'];

/** PyTorch's ConvNd.reset_parameters: kaimingUniform(a=√5) weight, U(±1/√fanIn) bias. */
function resetConv(weight: Tensor, bias: Tensor | null): void {
  init.kaimingUniform(weight, { a: Math.sqrt(5) });
  if (bias) {
    const [fanIn] = init.calculateFanInAndFanOut(weight);
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    init.uniform(bias, -bound, bound);
  }
}

/**
 * Options of `nn.Conv2d` (PyTorch's, camelCase).
 * @example
 * const opts: nn.Conv2dModuleOptions = { stride: 2, padding: 1, groups: 1, bias: true };
 * const conv = new nn.Conv2d(3, 32, 3, opts);
 */
export interface Conv2dModuleOptions {
  stride?: IntPair; padding?: IntPair | 'same' | 'valid'; dilation?: IntPair; groups?: number; bias?: boolean;
}

/**
 * 2-D convolution: weight [outChannels, inChannels/groups, kH, kW], bias [outChannels].
 * @example const conv = new nn.Conv2d(3, 16, 3, { padding: 1 });  conv.forward(randn([8, 3, 32, 32]));  // [8, 16, 32, 32]
 */
export class Conv2d extends Module {
  declare weight: Parameter;
  declare bias: Parameter | null;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number] | 'same' | 'valid';
  readonly dilation: [number, number];
  readonly groups: number;
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: IntPair, optsIn: Conv2dModuleOptions | IntPair = {}, ...more: unknown[]) {
    super();
    const opts = positionalOptions('Conv2d', [optsIn, ...more], CONV_NAMES) as Conv2dModuleOptions;
    this.kernelSize = pair(kernelSize);
    this.stride = pair(opts.stride ?? 1);
    this.padding = typeof opts.padding === 'string' ? opts.padding : pair(opts.padding ?? 0);
    this.dilation = pair(opts.dilation ?? 1);
    this.groups = opts.groups ?? 1;
    checkChannels('Conv2d', inChannels, outChannels, this.groups, this.kernelSize);
    this.registerParameter('weight', Tensor.empty([outChannels, inChannels / this.groups, ...this.kernelSize]));
    this.registerParameter('bias', opts.bias === false ? null : Tensor.empty([outChannels]));
    resetConv(this.weight, this.bias);
  }
  override forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
  override getConfig(): LayerConfig {
    return { inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: [...this.kernelSize], stride: [...this.stride],
      padding: (typeof this.padding === 'string' ? this.padding : [...this.padding]) as JsonValue, dilation: [...this.dilation],
      groups: this.groups, bias: this.bias !== null };
  }
  /** The parameter shapes `fromConfig(c)` would create, without allocating them (io.loadModel checks the weights file against them first). */
  static paramShapes(c: LayerConfig): ParamShapes { return convShapes('Conv2d', c, 2, false); }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): Conv2d {
    const { inChannels, outChannels, kernelSize, ...o } = c;
    return new Conv2d(inChannels as number, outChannels as number, kernelSize as [number, number], o as Conv2dModuleOptions);
  }
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${fmt(this.kernelSize)}, stride=${fmt(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${fmt(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${fmt(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    return s;
  }
}

/**
 * Options of `nn.Conv1d` (PyTorch's, camelCase).
 * @example
 * const opts: nn.Conv1dModuleOptions = { stride: 1, padding: 'same', dilation: 2, bias: false };
 * const conv = new nn.Conv1d(8, 8, 3, opts);
 */
export interface Conv1dModuleOptions {
  stride?: number; padding?: number | 'same' | 'valid'; dilation?: number; groups?: number; bias?: boolean;
}

/**
 * 1-D convolution over [N, C, L]: weight [outChannels, inChannels/groups, k].
 * @example
 * const conv = new nn.Conv1d(4, 8, 3, { padding: 1 });
 * console.log(conv.forward(randn([2, 4, 50])).shape);   // [2, 8, 50]
 */
export class Conv1d extends Module {
  declare weight: Parameter;
  declare bias: Parameter | null;
  readonly stride: number; readonly padding: number | 'same' | 'valid'; readonly dilation: number; readonly groups: number;
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernelSize: number, optsIn: Conv1dModuleOptions | number = {}, ...more: unknown[]) {
    super();
    const opts = positionalOptions('Conv1d', [optsIn, ...more], CONV_NAMES) as Conv1dModuleOptions;
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    this.dilation = opts.dilation ?? 1;
    this.groups = opts.groups ?? 1;
    checkChannels('Conv1d', inChannels, outChannels, this.groups, [kernelSize]);
    this.registerParameter('weight', Tensor.empty([outChannels, inChannels / this.groups, kernelSize]));
    this.registerParameter('bias', opts.bias === false ? null : Tensor.empty([outChannels]));
    resetConv(this.weight, this.bias);
  }
  override forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
  override getConfig(): LayerConfig {
    return { inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: this.kernelSize, stride: this.stride,
      padding: this.padding, dilation: this.dilation, groups: this.groups, bias: this.bias !== null };
  }
  /** The parameter shapes `fromConfig(c)` would create, without allocating them (io.loadModel checks the weights file against them first). */
  static paramShapes(c: LayerConfig): ParamShapes { return convShapes('Conv1d', c, 1, false); }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): Conv1d {
    const { inChannels, outChannels, kernelSize, ...o } = c;
    return new Conv1d(inChannels as number, outChannels as number, kernelSize as number, o as Conv1dModuleOptions);
  }
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${fmt([this.kernelSize])}, stride=${fmt([this.stride])}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding !== 0) s += `, padding=${fmt([this.padding])}`;
    if (this.dilation !== 1) s += `, dilation=${fmt([this.dilation])}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    return s;
  }
}

/**
 * Options of `nn.ConvTranspose2d` (PyTorch's, camelCase).
 * @example
 * const opts: nn.ConvTranspose2dModuleOptions = { stride: 2, padding: 1, outputPadding: 1 };
 * const up = new nn.ConvTranspose2d(32, 16, 3, opts);
 */
export interface ConvTranspose2dModuleOptions {
  stride?: IntPair; padding?: IntPair; outputPadding?: IntPair; dilation?: IntPair; groups?: number; bias?: boolean;
}

/**
 * Transposed 2-D convolution: weight [inChannels, outChannels/groups, kH, kW].
 * @example
 * const up = new nn.ConvTranspose2d(16, 8, 4, { stride: 2, padding: 1 });
 * console.log(up.forward(randn([1, 16, 7, 7])).shape);   // [1, 8, 14, 14]
 */
export class ConvTranspose2d extends Module {
  declare weight: Parameter;
  declare bias: Parameter | null;
  readonly kernelSize: [number, number]; readonly stride: [number, number]; readonly padding: [number, number];
  readonly outputPadding: [number, number]; readonly dilation: [number, number]; readonly groups: number;
  constructor(readonly inChannels: number, readonly outChannels: number, kernelSize: IntPair, optsIn: ConvTranspose2dModuleOptions | IntPair = {}, ...more: unknown[]) {
    super();
    const opts = positionalOptions('ConvTranspose2d', [optsIn, ...more], CONV_T_NAMES) as ConvTranspose2dModuleOptions;
    this.kernelSize = pair(kernelSize);
    this.stride = pair(opts.stride ?? 1);
    this.padding = pair(opts.padding ?? 0);
    this.outputPadding = pair(opts.outputPadding ?? 0);
    this.dilation = pair(opts.dilation ?? 1);
    this.groups = opts.groups ?? 1;
    checkChannels('ConvTranspose2d', inChannels, outChannels, this.groups, this.kernelSize);
    this.registerParameter('weight', Tensor.empty([inChannels, outChannels / this.groups, ...this.kernelSize]));
    this.registerParameter('bias', opts.bias === false ? null : Tensor.empty([outChannels]));
    resetConv(this.weight, this.bias);
  }
  override forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding,
      outputPadding: this.outputPadding, dilation: this.dilation, groups: this.groups });
  }
  override getConfig(): LayerConfig {
    return { inChannels: this.inChannels, outChannels: this.outChannels, kernelSize: [...this.kernelSize], stride: [...this.stride],
      padding: [...this.padding], outputPadding: [...this.outputPadding], dilation: [...this.dilation], groups: this.groups, bias: this.bias !== null };
  }
  /** The parameter shapes `fromConfig(c)` would create, without allocating them (io.loadModel checks the weights file against them first). */
  static paramShapes(c: LayerConfig): ParamShapes { return convShapes('ConvTranspose2d', c, 2, true); }
  /** Rebuilds the layer from its `getConfig()` (io.loadModel calls it). */
  static fromConfig(c: LayerConfig): ConvTranspose2d {
    const { inChannels, outChannels, kernelSize, ...o } = c;
    return new ConvTranspose2d(inChannels as number, outChannels as number, kernelSize as [number, number], o as ConvTranspose2dModuleOptions);
  }
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${fmt(this.kernelSize)}, stride=${fmt(this.stride)}`;
    if (this.padding.some((p) => p !== 0)) s += `, padding=${fmt(this.padding)}`;
    if (this.outputPadding.some((p) => p !== 0)) s += `, output_padding=${fmt(this.outputPadding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${fmt(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    return s;
  }
}

registerLayer('Conv1d', Conv1d);
registerLayer('Conv2d', Conv2d);
registerLayer('ConvTranspose2d', ConvTranspose2d);
