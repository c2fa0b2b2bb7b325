/** The serve example with --quick: train on the mnist digits, save, serve over the Open
 * Inference Protocol, query with concurrent requests; the served answers are the model's. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ExampleResult } from '../examples/run';

type Main = (args: { quick: boolean; outDir: string }) => Promise<ExampleResult>;

describe('example serve (quick)', () => {
  it('served predictions agree with model.forward and are accurate', async function () {
    this.timeout(300000);
    const { main } = await import('../examples/serve') as { main: Main };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tf-example-serve-'));
    try {
      const { metrics: m } = await main({ quick: true, outDir: dir });
      assert.strictEqual(m.agreement, 1, `served and local predictions differ: agreement ${m.agreement}`);
      assert.ok(m.accuracy > 0.85, `accuracy ${m.accuracy}`);
      assert.ok(fs.existsSync(path.join(dir, 'mnist-cnn', 'model.json')));
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });
});
