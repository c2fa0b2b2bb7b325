/**
 * What a served model takes and gives: one input sample's shape, from the caller, from
 * model.json's inputShape (saveModel's option), or from the first layer where that alone
 * determines it (a Linear's inFeatures); a convolution first needs it given (its H, W are free).
 */
import type { LayerJSON, ModelJSON } from '../io';

/** The first leaf layer of an architecture (the first module of nested containers). */
function firstLayer(arch: LayerJSON): LayerJSON {
  let l = arch;
  for (let depth = 0; depth < 64; depth++) {
    const mods = (l.config as { modules?: unknown }).modules;
    if (!Array.isArray(mods)) return l;
    const first = mods[0] as { layer?: LayerJSON } | undefined;
    if (!first?.layer) return l;
    l = first.layer;
  }
  return l;
}

/**
 * One input sample's shape (batch excluded) for a saved model.
 * @example sampleShape(io.readModelInfo('./mlp'), undefined, './mlp')  // [784] for a Linear(784, ...) first
 */
export function sampleShape(info: ModelJSON, given: number[] | undefined, where: string): number[] {
  if (given) return given;
  if (info.inputShape) return info.inputShape;
  const first = firstLayer(info.architecture);
  const c = first.config as Record<string, unknown>;
  if (first.className === 'Linear' && Number.isInteger(c.inFeatures)) return [c.inFeatures as number];
  const need = /^Conv[12]d$|^ConvTranspose2d$/.test(first.className)
    ? `its first layer ${first.className} takes ${c.inChannels} channels but any ${first.className.includes('1d') ? 'length' : 'height and width'}`
    : `its first layer ${first.className} does not determine it`;
  throw new TypeError(`serve: the input shape of ${where} is unknown (${need}): give inputShape (e.g. [1, 28, 28]), or save it with io.saveModel(model, dir, { inputShape })`);
}
