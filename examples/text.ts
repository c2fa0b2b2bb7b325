// Text classification: language identification of 64-character snippets of manual pages.
// The corpus is the man pages installed on Debian under /usr/share/man (English) and their
// translations under /usr/share/man/<lang>/ (German, French, Dutch, Portuguese, Swedish):
// roff markup is stripped, each page's prose is cut into snippets, and pages (by name, in
// every language at once) are split into train/validation/test, so test pages are unseen.
// A character Embedding + LSTM (mean-pooled over time) classifies the snippets, and then a
// small Transformer encoder (learned positions, 2 pre-norm layers) does the same task.
// NOTE: translated pages keep some untranslated English paragraphs, which stay labelled with
// the page's language, so no model reaches 100% on this data.
//   npm run example -- text [--quick]
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { manualSeed, tensor, arange, nn, optim, data, metrics, train, type Tensor } from '../lib';
import type { ExampleArgs, ExampleResult } from './run';

export const MAN_DIR = '/usr/share/man';
const LANGS = ['en', 'de', 'fr', 'nl', 'pt', 'sv'];
const SNIPPET = 64;

/** Prose of a roff page: request lines and escapes removed, whitespace collapsed. */
export function roffText(src: string): string {
  const lines = src.split('\n').filter((l) => !l.startsWith('.') && !l.startsWith("'"));
  return lines.join(' ')
    .replace(/\\f(\[[^\]]*\]|\(..|.)/g, '')           // font changes
    .replace(/\\\*?\((..)/g, (_, c: string) => ROFF_CHARS[c] ?? '')  // \(:u, \*(Tm, ...
    .replace(/\\\[([^\]]*)\]/g, '')                   // \[named] characters
    .replace(/\\s[-+]?\d/g, '')                       // size changes
    .replace(/\\-/g, '-').replace(/\\&|\\c|\\%/g, '').replace(/\\e/g, '\\').replace(/\\(.)/g, '$1')
    .replace(/\s+/g, ' ').trim();
}

// The roff special characters that carry letters of these languages (groff_char(7)).
const ROFF_CHARS: Record<string, string> = {
  ':a': 'ä', ':o': 'ö', ':u': 'ü', ':A': 'Ä', ':O': 'Ö', ':U': 'Ü', ss: 'ß', "'e": 'é', '`e': 'è', '^e': 'ê', "'a": 'á',
  '`a': 'à', '^a': 'â', ',c': 'ç', '~a': 'ã', '~o': 'õ', 'oa': 'å', "'o": 'ó', '^o': 'ô', "'i": 'í', "'u": 'ú', Fo: '«', Fc: '»',
};

/** Page name -> file, for one language's directory (man1..man8). */
function pages(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(dir)) return out;
  for (const sec of fs.readdirSync(dir).filter((d) => /^man\d$/.test(d)).sort()) {
    for (const f of fs.readdirSync(path.join(dir, sec)).sort()) out.set(f.replace(/\.gz$/, ''), path.join(dir, sec, f));
  }
  return out;
}

/** Which split a page belongs to, from its name (the same in every language). */
function splitOf(page: string): 'train' | 'val' | 'test' {
  let h = 2166136261;
  for (let i = 0; i < page.length; i++) h = Math.imul(h ^ page.charCodeAt(i), 16777619) >>> 0;
  return h % 10 < 7 ? 'train' : h % 10 < 8 ? 'val' : 'test';
}

type Snippets = Record<'train' | 'val' | 'test', { text: string[]; lang: number[] }>;

/** Up to `perLang` training snippets per language, a quarter as many for validation and for test. */
function loadSnippets(perLang: number): Snippets {
  const out: Snippets = { train: { text: [], lang: [] }, val: { text: [], lang: [] }, test: { text: [], lang: [] } };
  const translated = LANGS.slice(1).map((l) => pages(path.join(MAN_DIR, l)));
  // English: the originals of the translated pages, so topics are shared across languages.
  const english = new Map([...pages(MAN_DIR)].filter(([p]) => translated.some((t) => t.has(p))));
  [english, ...translated].forEach((files, lang) => {
    const cap = { train: perLang, val: Math.ceil(perLang / 4), test: Math.ceil(perLang / 4) };
    const count = { train: 0, val: 0, test: 0 };
    for (const [page, file] of files) {
      const split = splitOf(page);
      if (count[split] >= cap[split]) continue;
      const prose = roffText(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8'));
      for (let i = 0; i + SNIPPET <= prose.length && count[split] < cap[split]; i += SNIPPET, count[split]++) {
        out[split].text.push(prose.slice(i, i + SNIPPET));
        out[split].lang.push(lang);
      }
    }
  });
  return out;
}

/** Characters seen at least `minCount` times in the training text get ids 1..V-1; 0 is "other". */
function vocabulary(text: string[], minCount = 3): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of text) for (const c of t) counts.set(c, (counts.get(c) ?? 0) + 1);
  const chars = [...counts].filter(([, n]) => n >= minCount).map(([c]) => c).sort();
  return new Map(chars.map((c, i) => [c, i + 1]));
}

/** Snippets -> int32 [N, SNIPPET] character ids, labels int32 [N]. */
function encode(s: { text: string[]; lang: number[] }, vocab: Map<string, number>): data.XY {
  const ids = new Int32Array(s.text.length * SNIPPET);
  s.text.forEach((t, n) => { [...t].slice(0, SNIPPET).forEach((c, i) => { ids[n * SNIPPET + i] = vocab.get(c) ?? 0; }); });
  return { x: tensor(ids, { shape: [s.text.length, SNIPPET], dtype: 'int32' }), y: tensor(Int32Array.from(s.lang), { dtype: 'int32' }) };
}

/** Embedding -> LSTM -> mean over time -> linear: int32 ids [B, T] -> logits [B, classes]. */
class LstmClassifier extends nn.Module {
  readonly embedding: nn.Embedding;
  readonly lstm: nn.LSTM;
  readonly head: nn.Linear;
  constructor(vocabSize: number, dim: number, hidden: number, classes: number) {
    super();
    this.embedding = new nn.Embedding(vocabSize, dim);
    this.lstm = new nn.LSTM(dim, hidden, { batchFirst: true });
    this.head = new nn.Linear(hidden, classes);
  }
  override forward(ids: Tensor): Tensor {
    const [out] = this.lstm.forward(this.embedding.forward(ids));  // [B, T, hidden]
    return this.head.forward(out.mean(1));
  }
}

/**
 * Embedding + learned positions -> TransformerEncoder (pre-norm, batchFirst) -> mean over
 * time -> linear: int32 ids [B, T] -> logits [B, classes].
 */
class TransformerClassifier extends nn.Module {
  readonly embedding: nn.Embedding;
  readonly positions: nn.Embedding;
  readonly encoder: nn.TransformerEncoder;
  readonly head: nn.Linear;
  constructor(vocabSize: number, dim: number, heads: number, layers: number, classes: number) {
    super();
    this.embedding = new nn.Embedding(vocabSize, dim);
    this.positions = new nn.Embedding(SNIPPET, dim);
    const layer = new nn.TransformerEncoderLayer(dim, heads, { dimFeedforward: 2 * dim, dropout: 0.1, batchFirst: true, normFirst: true });
    this.encoder = new nn.TransformerEncoder(layer, layers);
    this.head = new nn.Linear(dim, classes);
  }
  override forward(ids: Tensor): Tensor {
    const pos = this.positions.forward(arange(0, ids.shape[1], 1, { dtype: 'int32' }));  // [T, dim]
    const h = this.encoder.forward(this.embedding.forward(ids).add(pos));           // [B, T, dim]
    return this.head.forward(h.mean(1));
  }
}

/** Trains `model` with early stopping on validation loss; returns the test accuracy and macro-F1. */
async function fitAndTest(name: string, model: nn.Module, lr: number, epochs: number, quick: boolean, tr: data.XY, va: data.XY, te: data.XY): Promise<{ logits: Tensor; acc: number; f1: number }> {
  const opt = new optim.Adam(model.parameters(), { lr });
  const history = await train.fit(model, {
    train: new data.DataLoader(new data.TensorDataset(tr.x, tr.y), { batchSize: 64, shuffle: true, seed: 1 }),
    validation: new data.DataLoader(new data.TensorDataset(va.x, va.y), { batchSize: 500 }),
    loss: 'crossEntropy', optimizer: opt, epochs, metrics: ['accuracy'], verbose: !quick,
    scheduler: new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: epochs, etaMin: lr / 20 }),
    callbacks: [train.earlyStopping({ monitor: 'val_loss', patience: 2, restoreBest: true })],
  });
  const best = history.best('val_loss');
  const logits = await train.predict(model, te.x, { batchSize: 500 });
  const acc = metrics.accuracy(logits, te.y);
  const f1 = metrics.f1Score(logits, te.y, { numClasses: LANGS.length, average: 'macro' }) as number;
  console.log(`${name}: ${history.epochs.length} epochs, kept epoch ${(best?.epoch ?? 0) + 1}; test accuracy ${(acc * 100).toFixed(2)}%, macro-F1 ${f1.toFixed(3)}`);
  return { logits, acc, f1 };
}

export async function main({ quick, outDir }: ExampleArgs): Promise<ExampleResult> {
  const snippets = loadSnippets(quick ? 300 : 2000);
  const vocab = vocabulary(snippets.train.text);
  const [tr, va, te] = (['train', 'val', 'test'] as const).map((k) => encode(snippets[k], vocab));
  console.log(`man-page snippets of ${SNIPPET} characters in ${LANGS.join(', ')}: ${tr.x.shape[0]} train / ${va.x.shape[0]} validation / ${te.x.shape[0]} test (split by page)`);
  console.log(`vocabulary: ${vocab.size} characters + "other"; e.g. [${snippets.test.text[0]}] is ${LANGS[snippets.test.lang[0]]}\n`);

  manualSeed(0);
  const epochs = quick ? 3 : 12;
  const model = new LstmClassifier(vocab.size + 1, 32, 64, LANGS.length);
  const opt = new optim.Adam(model.parameters(), { lr: 4e-3 });
  const history = await train.fit(model, {
    train: new data.DataLoader(new data.TensorDataset(tr.x, tr.y), { batchSize: 64, shuffle: true, seed: 1 }),
    validation: new data.DataLoader(new data.TensorDataset(va.x, va.y), { batchSize: 500 }),
    loss: 'crossEntropy', optimizer: opt, epochs, metrics: ['accuracy'], verbose: !quick,
    scheduler: new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: epochs, etaMin: 2e-4 }),
    callbacks: [train.earlyStopping({ monitor: 'val_loss', patience: 2, restoreBest: true }), train.plotWriter(outDir)],
  });
  const best = history.best('val_loss');
  console.log(`Embedding + LSTM: ${history.epochs.length} epochs, kept epoch ${(best?.epoch ?? 0) + 1}`);

  const logits = await train.predict(model, te.x, { batchSize: 500 });
  const acc = metrics.accuracy(logits, te.y);
  const f1 = metrics.f1Score(logits, te.y, { numClasses: LANGS.length, average: 'macro' }) as number;
  console.log(`\ntest accuracy ${(acc * 100).toFixed(2)}%, macro-F1 ${f1.toFixed(3)}\n`);
  console.log(metrics.classificationReport(logits, te.y, { numClasses: LANGS.length, targetNames: LANGS, digits: 3 }));
  const cm = metrics.confusionMatrix(logits, te.y, { numClasses: LANGS.length });
  console.log(metrics.formatConfusionMatrix(cm, { labels: LANGS }));
  train.writeTextAtomic(path.join(outDir, 'confusion_matrix.svg'), train.confusionMatrixSvg(cm.toArray() as number[][], LANGS, 'Man-page language (test)'));
  const pred = logits.argmax(1).dataSync();
  const wrong = Array.from(pred.keys()).filter((i) => pred[i] !== snippets.test.lang[i]).slice(0, 5);
  console.log(`\nsome mistakes:\n${wrong.map((i) => `  ${LANGS[snippets.test.lang[i]]} -> ${LANGS[pred[i]]}: ${snippets.test.text[i]}`).join('\n')}`);

  // The same task with a small Transformer encoder (2 layers, 4 heads, width 32).
  manualSeed(0);
  const tf = await fitAndTest('\nTransformer encoder', new TransformerClassifier(vocab.size + 1, 32, 4, 2, LANGS.length), 2e-3, epochs, quick, tr, va, te);
  return { metrics: { lstm_accuracy: acc, lstm_macro_f1: f1, transformer_accuracy: tf.acc, transformer_macro_f1: tf.f1 } };
}
