/**
 * Architecture configs of the built-in layers for io.saveModel / io.loadModel: each entry
 * reads a layer's constructor arguments back from its public fields and rebuilds it with
 * fresh weights (the weights travel separately, in the state dict). A new layer adds one
 * registerLayer line here (or carries getConfig() / static fromConfig() itself).
 */
import { registerLayer, layerFromJSON, layerToJSON, type LayerConfig, type LayerJSON } from '../io/registry';
import { Module, type AnyModule } from './module';
import { Sequential, ModuleList, ModuleDict } from './layers/container';
import { Linear, Identity, Flatten, Dropout } from './layers/linear';
import { ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus } from './layers/activation';

type Children = [string, LayerJSON][];

function childrenJSON(m: Module<never[], never> | AnyModule): Children {
  return [...m.namedChildren()].map(([k, c]) => [k, layerToJSON(c)]);
}
function childrenFrom(config: LayerConfig): [string, AnyModule][] {
  const kids = config.modules as unknown as Children;
  if (!Array.isArray(kids)) throw new TypeError('loadModel: container config needs modules: [[name, layer], ...]');
  return kids.map(([k, j]) => [k, layerFromJSON(j) as AnyModule]);
}
const num = (c: LayerConfig, k: string): number => c[k] as number;

registerLayer('Sequential', Sequential, {
  getConfig: (m) => ({ modules: childrenJSON(m) as unknown as LayerConfig['modules'] }),
  fromConfig: (c) => {
    const kids = childrenFrom(c);
    return kids.every(([k], i) => k === String(i)) ? new Sequential(...kids.map(([, m]) => m)) : new Sequential(new Map(kids));
  },
});
registerLayer('ModuleList', ModuleList, {
  getConfig: (m) => ({ modules: childrenJSON(m) as unknown as LayerConfig['modules'] }),
  fromConfig: (c) => new ModuleList(childrenFrom(c).map(([, m]) => m)),
});
registerLayer('ModuleDict', ModuleDict, {
  getConfig: (m) => ({ modules: childrenJSON(m) as unknown as LayerConfig['modules'] }),
  fromConfig: (c) => new ModuleDict(new Map(childrenFrom(c))),
});
registerLayer('Linear', Linear, {
  getConfig: (m) => ({ inFeatures: m.inFeatures, outFeatures: m.outFeatures, bias: m.bias !== null }),
  fromConfig: (c) => new Linear(num(c, 'inFeatures'), num(c, 'outFeatures'), { bias: c.bias !== false }),
});
registerLayer('Identity', Identity, { getConfig: () => ({}), fromConfig: () => new Identity() });
registerLayer('Flatten', Flatten, {
  getConfig: (m) => ({ startDim: m.startDim, endDim: m.endDim }),
  fromConfig: (c) => new Flatten(num(c, 'startDim'), num(c, 'endDim')),
});
registerLayer('Dropout', Dropout, { getConfig: (m) => ({ p: m.p }), fromConfig: (c) => new Dropout(num(c, 'p')) });
registerLayer('ReLU', ReLU, { getConfig: () => ({}), fromConfig: () => new ReLU() });
registerLayer('LeakyReLU', LeakyReLU, { getConfig: (m) => ({ negativeSlope: m.negativeSlope }), fromConfig: (c) => new LeakyReLU(num(c, 'negativeSlope')) });
registerLayer('ELU', ELU, { getConfig: (m) => ({ alpha: m.alpha }), fromConfig: (c) => new ELU(num(c, 'alpha')) });
registerLayer('GELU', GELU, { getConfig: (m) => ({ approximate: m.approximate }), fromConfig: (c) => new GELU(c.approximate as 'none' | 'tanh') });
registerLayer('SiLU', SiLU, { getConfig: () => ({}), fromConfig: () => new SiLU() });
registerLayer('Sigmoid', Sigmoid, { getConfig: () => ({}), fromConfig: () => new Sigmoid() });
registerLayer('Tanh', Tanh, { getConfig: () => ({}), fromConfig: () => new Tanh() });
registerLayer('Softplus', Softplus, {
  getConfig: (m) => ({ beta: m.beta, threshold: m.threshold }),
  fromConfig: (c) => new Softplus(num(c, 'beta'), num(c, 'threshold')),
});
