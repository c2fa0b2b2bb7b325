// Runs one example: `npm run example -- <name> [--quick]`. An example is examples/<name>.ts
// exporting `main({ quick, outDir })`; its pictures and tables go to examples/out/<name>/.
// With no name (or an unknown one) it lists the examples.
import * as fs from 'fs';
import * as path from 'path';

export interface ExampleArgs { quick: boolean; outDir: string }
export interface ExampleResult { metrics: Record<string, number> }

/** The compiled examples next to this file: every module that exports main. */
export function listExamples(dir = __dirname): string[] {
  // NOTE: detected from the compiled text, so scripts that run when loaded are not loaded.
  return fs.readdirSync(dir).filter((f) => f.endsWith('.js') && f !== 'run.js')
    .filter((f) => /^exports\.main = main;$/m.test(fs.readFileSync(path.join(dir, f), 'utf8')))
    .map((f) => f.slice(0, -3)).sort();
}

async function run(argv: string[]): Promise<number> {
  const names = argv.filter((a) => !a.startsWith('--'));
  const flags = argv.filter((a) => a.startsWith('--'));
  const unknownFlag = flags.find((f) => f !== '--quick');
  const examples = listExamples();
  if (names.length !== 1 || !examples.includes(names[0]) || unknownFlag) {
    if (unknownFlag) console.error(`unknown option ${unknownFlag}`);
    else if (names.length) console.error(`unknown example ${names.join(' ')}`);
    console.error(`usage: npm run example -- <name> [--quick]\nexamples: ${examples.join(', ')}`);
    return 2;
  }
  const outDir = path.resolve(__dirname, '..', '..', 'examples', 'out', names[0]);
  fs.mkdirSync(outDir, { recursive: true });
  const mod = require(`./${names[0]}`) as { main(a: ExampleArgs): Promise<ExampleResult> };
  const t0 = performance.now();
  const { metrics } = await mod.main({ quick: flags.includes('--quick'), outDir });
  console.log(`\n${names[0]}: ${JSON.stringify(metrics)} · outputs in ${path.relative(process.cwd(), outDir)}/ · ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}

if (require.main === module) run(process.argv.slice(2)).then((c) => { process.exitCode = c; }, (e) => { console.error(e); process.exitCode = 1; });
