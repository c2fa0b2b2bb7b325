/**
 * Mocha root hooks (loaded through .mocharc.json `require`): before every test the global
 * generator is seeded from the test's full title, so a test draws the same inputs whether it
 * runs alone (`--grep`), in the full suite or in any other order, and a failure reproduces.
 * NOTE: tests must therefore draw random numbers inside `it` bodies, never while mocha
 * collects the describe blocks (that stream would depend on which files were loaded).
 */
import * as tf from '../lib';

/** FNV-1a of a string, 32 bits: a stable seed per test title. */
export function titleSeed(title: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < title.length; i++) {
    h ^= title.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export const mochaHooks = {
  beforeEach(this: Mocha.Context): void {
    tf.manualSeed(titleSeed(this.currentTest?.fullTitle() ?? ''));
  },
};
