/** ONNX converters for BatchNorm1d/2d, LayerNorm and GroupNorm (GroupNorm's ops depend on the opset). */
import { BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm } from '../../nn/layers/normalization';
import { fmtDims, isStatic, type OnnxGraph, type OnnxValue } from './graph';
import { channelAffine, checkDim, checkRank, dimProduct, normalize, reshape } from './ops';
import { def, one, param, perChannel, pname } from './layers';

// ---- normalisation ---------------------------------------------------------------------------

function batchNorm(g: OnnxGraph, m: BatchNorm1d | BatchNorm2d, x: OnnxValue): OnnxValue {
  checkDim(g, x, 1, m.numFeatures, 'numFeatures');
  if (!m.running_mean || !m.running_var) {
    // No running statistics: inference uses the batch's own, as forward() does.
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    return channelAffine(g, normalize(g, x, axes, m.eps), perChannel(g, 'weight', m.weight, x), perChannel(g, 'bias', m.bias, x));
  }
  const C = m.numFeatures;
  const scale = m.weight ? param(g, 'weight', m.weight) : g.floats(pname(g, 'weight'), Array<number>(C).fill(1));
  const bias = m.bias ? param(g, 'bias', m.bias) : g.floats(pname(g, 'bias'), Array<number>(C).fill(0));
  return g.op('BatchNormalization', [x, scale, bias, param(g, 'running_mean', m.running_mean), param(g, 'running_var', m.running_var)],
    x.shape, { epsilon: { float: m.eps } });
}
def(BatchNorm1d, (g, m, inputs) => { const x = one(g, inputs); checkRank(g, x, [2, 3], '[N, C] or [N, C, L]'); return batchNorm(g, m, x); });
def(BatchNorm2d, (g, m, inputs) => { const x = one(g, inputs); checkRank(g, x, [4], '[N, C, H, W]'); return batchNorm(g, m, x); });

def(LayerNorm, (g, m, inputs) => {
  const x = one(g, inputs), k = m.normalizedShape.length;
  const tail = x.shape.slice(-k);
  if (x.shape.length < k || tail.join() !== m.normalizedShape.join()) {
    throw g.error(`input '${x.name}' ${fmtDims(x.shape)} must end in normalizedShape ${fmtDims(m.normalizedShape)}`);
  }
  const n = m.normalizedShape.reduce((a, b) => a * b, 1);
  const scale = m.weight ? param(g, 'weight', m.weight) : g.floats(pname(g, 'weight'), Array<number>(n).fill(1), m.normalizedShape);
  return g.op('LayerNormalization', [x, scale, m.bias ? param(g, 'bias', m.bias) : null], x.shape, { axis: -k, epsilon: { float: m.eps } });
});

def(GroupNorm, (g, m, inputs) => {
  const x = one(g, inputs), C = m.numChannels, G = m.numGroups;
  if (x.shape.length < 2) throw g.error(`expected an input [N, ${C}, ...], got '${x.name}' ${fmtDims(x.shape)}`);
  checkDim(g, x, 1, C, 'numChannels');
  if (g.opset >= 21) {
    // GroupNormalization-21: per-channel scale and bias [C].
    const scale = m.weight ? param(g, 'weight', m.weight) : g.floats(pname(g, 'weight'), Array<number>(C).fill(1));
    const bias = m.bias ? param(g, 'bias', m.bias) : g.floats(pname(g, 'bias'), Array<number>(C).fill(0));
    return g.op('GroupNormalization', [x, scale, bias], x.shape, { num_groups: G, epsilon: { float: m.eps } });
  }
  let y: OnnxValue;
  if (g.opset >= 18) {
    // NOTE: GroupNormalization-18 takes scale and bias per group ([G]); PyTorch's are per
    // channel, so the op normalises only and the affine follows as Mul/Add.
    y = g.op('GroupNormalization', [x, g.floats(`${g.path}.ones`, Array<number>(G).fill(1)), g.floats(`${g.path}.zeros`, Array<number>(G).fill(0))],
      x.shape, { num_groups: G, epsilon: { float: m.eps } });
  } else {
    // Opset 17: [N, G, C/G * spatial], normalised over the last axis, back to x's shape.
    const rest = dimProduct(x.shape.slice(1));
    const grouped = reshape(g, x, [x.shape[0], G, isStatic(rest) ? rest / G : `${rest}/${G}`]);
    const normed = normalize(g, grouped, [2], m.eps);
    y = g.op('Reshape', [normed, g.op('Shape', [x], [x.shape.length], {}, 'int64')], x.shape);
  }
  return channelAffine(g, y, perChannel(g, 'weight', m.weight, x), perChannel(g, 'bias', m.bias, x));
});
