/** Every TypeScript sample in README.md is type-checked and executed, and the README's
 * commands exist as npm scripts. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { execFileSync } from 'child_process';
import * as ts from 'typescript';

const root = path.join(__dirname, '..', '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const samples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('README', () => {
  it('has TypeScript samples and its commands are npm scripts', () => {
    assert.ok(samples.length >= 2);
    const scripts = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
    const cmds = [...readme.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]);
    assert.ok(cmds.length >= 1);
    for (const c of cmds) assert.ok(scripts[c], `README mentions npm run ${c}, which package.json lacks`);
  });
  describe('samples', () => {
    let dir = '';
    let diagnostics = new Map<string, string[]>();
    before(function () {
      this.timeout(120000);
      dir = fs.mkdtempSync(path.join(root, 'dist', '.readme-'));
      const files = samples.map((src, i) => {
        const file = path.join(dir, `sample${i + 1}.ts`);
        fs.writeFileSync(file, src.replace(/from 'tensorforge'/g, `from '${path.join(root, 'lib')}'`));
        return file;
      });
      // One program type-checks every sample (creating one per sample costs seconds each).
      const program = ts.createProgram(files, { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, noEmit: true, skipLibCheck: true, types: ['node'] });
      diagnostics = new Map(files.map((f) => [f, ts.getPreEmitDiagnostics(program, program.getSourceFile(f)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))]));
    });
    after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

    samples.forEach((src, i) => {
      it(`sample ${i + 1} type-checks and runs`, function () {
        this.timeout(120000);
        const file = path.join(dir, `sample${i + 1}.ts`);
        assert.deepStrictEqual(diagnostics.get(file), [], `type errors in README sample ${i + 1}`);
        const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText
          .replace(/require\("tensorforge"\)/g, `require(${JSON.stringify(path.join(root, 'dist', 'lib'))})`);
        const jsFile = path.join(dir, `sample${i + 1}.js`);
        fs.writeFileSync(jsFile, js);
        const out = execFileSync(process.execPath, [jsFile], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        // Where the sample states its output in a trailing comment, check it.
        for (const m of src.matchAll(/console\.log\((.*)\);\s*\/\/ (\[.*\]|true|false)\s*$/gm)) {
          assert.ok(out.replace(/\s+/g, '').includes(m[2].replace(/\s+/g, '')), `sample ${i + 1}: expected output ${m[2]} in:\n${out}`);
        }
      });
    });
  });
});
