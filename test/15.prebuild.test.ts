/** `npm run prebuild` output is what node-gyp-build loads on a machine without a compiler. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { requireOrSkip } from './helpers';

const root = path.join(__dirname, '..', '..');
const prebuildDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);

describe('prebuilds', () => {
  it('node-gyp-build loads prebuilds/<platform>-<arch> when no local build exists', function () {
    requireOrSkip(this, fs.existsSync(prebuildDir) && fs.readdirSync(prebuildDir).length > 0,
      `${path.relative(root, prebuildDir)} is missing; run \`npm run prebuild\` (.ci/run does)`);
    // A package directory with only package.json and prebuilds/ (no build/): what a user
    // installing from the registry gets.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-prebuild-'));
    try {
      fs.copyFileSync(path.join(root, 'package.json'), path.join(tmp, 'package.json'));
      fs.cpSync(path.join(root, 'prebuilds'), path.join(tmp, 'prebuilds'), { recursive: true });
      const script = `
        const load = require(${JSON.stringify(require.resolve('node-gyp-build'))});
        const file = load.resolve(${JSON.stringify(tmp)});
        const addon = load(${JSON.stringify(tmp)});
        console.log(JSON.stringify({ file, isa: addon.backendInfo().isa, fns: Object.keys(addon).length }));`;
      const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim()) as { file: string; isa: string; fns: number };
      assert.ok(out.file.startsWith(path.join(tmp, 'prebuilds')), `loaded ${out.file}`);
      assert.ok(['generic', 'avx2', 'avx512'].includes(out.isa));
      assert.ok(out.fns > 10);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('the addon is not compiled for the build machine: no -march=native, per-ISA units', () => {
    const gyp = fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8');
    assert.ok(!/march=native/.test(gyp));
    for (const isa of ['generic', 'avx2', 'avx512']) assert.match(gyp, new RegExp(`TF_ISA=${isa}`));
  });
});
