/**
 * The documentation's code cannot rot: every TypeScript/JavaScript sample in README.md and
 * the guides (docs/*.md) and every `@example` in a public export's doc comment is
 * type-checked against the library's types (one program for all of them), the README's
 * samples also run, every public export has an example, and the README's commands exist as
 * npm scripts. The samples are collected by tools/docs/extract-examples.js.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import * as ts from 'typescript';

interface Sample { file: string; origin: string; kind: 'doc' | 'markdown'; source: string; lang: 'ts' | 'js'; code: string }
interface ExportInfo { name: string; kind: string; file: string; line: number; documented: boolean; examples: string[] }
interface Extractor {
  writeSamples(outDir: string): { samples: Sample[]; exports: ExportInfo[]; program: ts.Program };
  typeCheck(files: string[], oldProgram?: ts.Program): Map<string, string[]>;
  markdownFiles(): string[];
}

const root = path.join(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const extractor = require(path.join(root, 'tools', 'docs', 'extract-examples.js')) as Extractor;
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

describe('documentation samples', () => {
  let dir = '';
  let samples: Sample[] = [];
  let exports: ExportInfo[] = [];
  let diagnostics = new Map<string, string[]>();
  before(function () {
    this.timeout(120000);
    dir = fs.mkdtempSync(path.join(root, 'dist', '.samples-'));
    const out = extractor.writeSamples(dir);
    samples = out.samples; exports = out.exports;
    // One program type-checks every sample (creating one per sample costs seconds each).
    diagnostics = extractor.typeCheck(samples.map((s) => s.file), out.program);
  });
  after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  it('README commands are npm scripts; README links only to files that exist', () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    const cmds = [...readme.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]);
    assert.ok(cmds.length >= 1);
    for (const c of cmds) assert.ok(scripts[c], `README mentions npm run ${c}, which package.json lacks`);
    for (const md of extractor.markdownFiles()) {
      const text = fs.readFileSync(path.join(root, md), 'utf8');
      for (const [, target] of text.matchAll(/\]\(((?!https?:|#)[^)#\s]+)(?:#[^)]*)?\)/g)) {
        const file = path.relative(root, path.join(root, path.dirname(md), target));
        assert.ok(fs.existsSync(path.join(root, file)), `${md} links to ${target}, which does not exist`);
      }
    }
  });

  it('every public export has a doc comment with an @example', () => {
    assert.ok(exports.length > 250, `only ${exports.length} exports found`);
    for (const name of ['Tensor', 'zeros', 'sum', 'nn.Module', 'nn', 'optim', 'data', 'metrics', 'io', 'train', 'train.liveMonitor']) {
      assert.ok(exports.some((e) => e.name === name), `${name} is not among the exports`);
    }
    const missing = exports.filter((e) => e.examples.length === 0).map((e) => `${e.name} (${e.file}:${e.line})`);
    assert.deepStrictEqual(missing, [], 'exports without an @example');
  });

  it('every @example type-checks', () => {
    const doc = samples.filter((s) => s.kind === 'doc');
    assert.ok(doc.length >= exports.length);
    const bad = doc.filter((s) => diagnostics.get(s.file)!.length > 0)
      .map((s) => `${s.origin}:\n  ${diagnostics.get(s.file)!.join('\n  ')}\n${s.code}`);
    assert.deepStrictEqual(bad, [], `@example blocks with type errors:\n${bad.join('\n')}`);
  });

  it('every guide sample type-checks', () => {
    const guides = samples.filter((s) => s.kind === 'markdown' && s.source !== 'README.md');
    const bad = guides.filter((s) => diagnostics.get(s.file)!.length > 0).map((s) => `${s.origin}:\n  ${diagnostics.get(s.file)!.join('\n  ')}`);
    assert.deepStrictEqual(bad, [], bad.join('\n'));
  });

  describe('README samples', () => {
    const count = [...readme.matchAll(/```(ts|js|typescript|javascript)\n/g)].length;
    it('exist', () => assert.ok(count >= 2));
    for (let i = 0; i < count; i++) {
      it(`sample ${i + 1} type-checks and runs`, function () {
        this.timeout(120000);
        const s = samples.find((x) => x.origin === `README.md sample ${i + 1}`);
        assert.ok(s, `README sample ${i + 1} was not extracted`);
        assert.deepStrictEqual(diagnostics.get(s.file), [], `type errors in README sample ${i + 1}`);
        const js = ts.transpileModule(s.code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText
          .replace(/require\("tensorforge"\)|require\('tensorforge'\)/g, `require(${JSON.stringify(path.join(root, 'dist', 'lib'))})`);
        const jsFile = path.join(dir, `run_readme_${i + 1}.js`);
        fs.writeFileSync(jsFile, js);
        const out = execFileSync(process.execPath, [jsFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        // Where the sample states its output in a trailing comment, check it.
        for (const m of s.code.matchAll(/console\.log\((.*)\);\s*\/\/ (\[.*\]|true|false)\s*$/gm)) {
          assert.ok(out.replace(/\s+/g, '').includes(m[2].replace(/\s+/g, '')), `sample ${i + 1}: expected output ${m[2]} in:\n${out}`);
        }
      });
    }
  });
});
