// Runs one example: `npm run example -- <name> [--quick]` loads dist/examples/<name>.js, calls
// its main({ quick, outDir }) with outDir = examples/out/<name>/, and prints the metrics.
// With no name, or an unknown one, it lists the examples (files here that export main).
import * as fs from 'fs';
import * as path from 'path';

/** What every example's main() receives: `quick` for a few-second CI run, and where to write files. */
export interface ExampleArgs { quick: boolean; outDir: string }
/** What every example's main() returns: its headline figures, which tests assert on. */
export interface ExampleResult { metrics: Record<string, number> }
type ExampleModule = { main?: (args: ExampleArgs) => Promise<ExampleResult> };

const ROOT = path.resolve(__dirname, '..', '..');

/** Example names: compiled files beside this one whose module exports main. */
export function listExamples(): string[] {
  return fs.readdirSync(__dirname)
    .filter((f) => f.endsWith('.js') && f !== 'run.js' && /^exports\.main = main;$/m.test(fs.readFileSync(path.join(__dirname, f), 'utf8')))
    .map((f) => f.slice(0, -3)).sort();
}

async function run(argv: string[]): Promise<void> {
  const flags = argv.filter((a) => a.startsWith('--')), names = argv.filter((a) => !a.startsWith('--'));
  const unknown = flags.filter((f) => f !== '--quick');
  if (unknown.length) throw new TypeError(`example: unknown option(s) ${unknown.join(', ')}; the only option is --quick`);
  const all = listExamples();
  if (names.length !== 1 || !all.includes(names[0])) {
    if (names.length) console.error(`example: no example named ${JSON.stringify(names.join(' '))}`);
    console.log(`usage: npm run example -- <name> [--quick]\nexamples: ${all.join(', ')}`);
    process.exitCode = names.length ? 1 : 0;
    return;
  }
  const mod = require(path.join(__dirname, names[0])) as ExampleModule;
  const outDir = path.join(ROOT, 'examples', 'out', names[0]);
  fs.mkdirSync(outDir, { recursive: true });
  const t0 = performance.now();
  const result = await mod.main!({ quick: flags.includes('--quick'), outDir });
  console.log(`\n${names[0]}: ${Object.entries(result.metrics).map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`).join('  ')}`);
  console.log(`outputs in ${path.relative(process.cwd(), outDir) || '.'}/ · ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

if (require.main === module) run(process.argv.slice(2)).catch((e) => { console.error(e); process.exit(1); });
