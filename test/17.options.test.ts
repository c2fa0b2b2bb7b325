/** Option objects: unknown keys, misspellings and non-objects are TypeErrors naming the op,
 * the key and the closest valid key, never silently ignored. */
import * as assert from 'assert';
import { assertThrows } from './helpers';
import { checkOptions, editDistance, snakeToCamel, suggestKey } from '../lib/options';

const SGD_KEYS = ['lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize'] as const;

describe('checkOptions', () => {
  it('passes undefined, null, {} and known keys', () => {
    checkOptions('SGD', undefined, SGD_KEYS);
    checkOptions('SGD', null, SGD_KEYS);
    checkOptions('SGD', {}, SGD_KEYS);
    checkOptions('SGD', { lr: 0.1, weightDecay: 1e-4 }, SGD_KEYS);
    checkOptions('SGD', Object.assign(Object.create(null) as object, { lr: 0.1 }), SGD_KEYS);
  });
  it('snake_case keys suggest their camelCase form and list the valid keys', () => {
    assertThrows(() => checkOptions('SGD', { weight_decay: 0.1 }, SGD_KEYS), TypeError,
      /^SGD: unknown option 'weight_decay'; did you mean 'weightDecay'\? \(valid options: lr, momentum, dampening, weightDecay, nesterov, maximize\)$/);
    assertThrows(() => checkOptions('DataLoader', { batch_size: 4 }, ['batchSize', 'shuffle']), TypeError,
      /^DataLoader: unknown option 'batch_size'; did you mean 'batchSize'\?/);
  });
  it('misspellings suggest the nearest key by edit distance', () => {
    assertThrows(() => checkOptions('SGD', { learningRate: 0.1 }, SGD_KEYS), TypeError, /^SGD: unknown option 'learningRate' \(valid options: lr,/);
    assertThrows(() => checkOptions('SGD', { momentm: 0.9 }, SGD_KEYS), TypeError, /unknown option 'momentm'; did you mean 'momentum'\?/);
    assertThrows(() => checkOptions('SGD', { LR: 0.1 }, SGD_KEYS), TypeError, /did you mean 'lr'\?/);
    assertThrows(() => checkOptions('Adam', { beta: [0.9, 0.99] }, ['lr', 'betas', 'eps']), TypeError, /did you mean 'betas'\?/);
  });
  it('non-plain objects are TypeErrors naming the op and what was passed', () => {
    assertThrows(() => checkOptions('SGD', 0.1, SGD_KEYS), TypeError, /^SGD: options must be a plain object like \{ lr: \.\.\. \}, got number 0\.1$/);
    assertThrows(() => checkOptions('SGD', [0.1], SGD_KEYS), TypeError, /^SGD: options must be a plain object.*got an array of length 1/);
    assertThrows(() => checkOptions('SGD', 'fast', SGD_KEYS), TypeError, /^SGD: .*got string "fast"/);
    assertThrows(() => checkOptions('SGD', new Map(), SGD_KEYS), TypeError, /^SGD: .*got a Map instance/);
    class Opts { lr = 0.1; }
    assertThrows(() => checkOptions('SGD', new Opts(), SGD_KEYS), TypeError, /^SGD: .*got a Opts instance/);
    assertThrows(() => checkOptions('SGD', true, SGD_KEYS), TypeError, /got boolean true/);
  });
  it('an op with no options says so', () => {
    assertThrows(() => checkOptions('ReLU', { inplace: true }, []), TypeError, /^ReLU: unknown option 'inplace' \(it takes no options\)$/);
  });
  it('helpers: snakeToCamel, editDistance, suggestKey', () => {
    assert.strictEqual(snakeToCamel('weight_decay'), 'weightDecay');
    assert.strictEqual(snakeToCamel('drop_last'), 'dropLast');
    assert.strictEqual(snakeToCamel('batch-size'), 'batchSize');
    assert.strictEqual(snakeToCamel('lr'), 'lr');
    assert.strictEqual(editDistance('kitten', 'sitting'), 3);
    assert.strictEqual(editDistance('', 'abc'), 3);
    assert.strictEqual(editDistance('abc', 'abc'), 0);
    assert.strictEqual(suggestKey('shufle', ['batchSize', 'shuffle']), 'shuffle');
    assert.strictEqual(suggestKey('xyzzy', ['batchSize', 'shuffle']), undefined);
  });
});
