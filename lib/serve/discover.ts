/**
 * Model sources from command-line arguments: `[name[:version]=]path`, where path is a model
 * directory (model.json), an .onnx file, or a repository directory whose numeric
 * subdirectories are versions (`mnist/1/model.json`, `mnist/2/model.onnx`), as Triton and
 * KServe lay models out.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { ModelSource } from './server';

/**
 * The model versions one argument names.
 * @example serve.discoverModels('mnist=./models/mnist')  // [{ name: 'mnist', version: '1', path: './models/mnist/1' }, ...]
 */
export function discoverModels(arg: string, inputShape?: number[]): ModelSource[] {
  const m = /^([^=/\\]+)=(.+)$/.exec(arg);
  const [label, p] = m ? [m[1], m[2]] : [null, arg];
  const [given, version] = label ? label.split(':') : [null, undefined];
  const name = given ?? path.basename(p).replace(/\.onnx$/, '');
  const extra = inputShape ? { inputShape } : {};
  if (!fs.existsSync(p)) throw new Error(`serve: ${p} does not exist`);
  if (p.endsWith('.onnx') || fs.existsSync(path.join(p, 'model.json'))) return [{ name, version: version ?? '1', path: p, ...extra }];
  if (!fs.statSync(p).isDirectory()) throw new Error(`serve: ${p} is neither a model directory, an .onnx file nor a directory of versions`);
  const versions = fs.readdirSync(p).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(a) - Number(b)).flatMap((v) => {
    const dir = path.join(p, v);
    if (fs.existsSync(path.join(dir, 'model.json'))) return [{ name, version: v, path: dir, ...extra }];
    if (fs.existsSync(path.join(dir, 'model.onnx'))) return [{ name, version: v, path: path.join(dir, 'model.onnx'), ...extra }];
    return [];
  });
  if (version !== undefined) throw new Error(`serve: ${arg}: a version label needs a single model directory or .onnx file, not a repository`);
  if (!versions.length) throw new Error(`serve: ${p} holds no model.json, and no numbered version directories with model.json or model.onnx`);
  return versions;
}
