#!/usr/bin/env node
/**
 * Collects the code samples that the documentation shows, so CI can type-check (and, for the
 * README, run) them:
 *   - every `@example` block in the doc comment of a public export (everything reachable from
 *     lib/index.ts, namespaces included), and
 *   - every ```ts / ```js fence in README.md and docs/*.md.
 * Each sample becomes one .ts file that imports 'tensorforge' from lib/. Doc examples are
 * wrapped in an async function (so they may `await`) and, when they import nothing, get an
 * import of the top-level names they use.
 *
 * CLI: `node tools/docs/extract-examples.js [outDir]` writes the files and lists exports
 * without an example (exit 1 if any).
 * Used by test/16.readme.test.ts, which compiles all files as one program.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const root = path.join(__dirname, '..', '..');

/** The compiler options every sample is checked with (strict, like the library itself). */
const compilerOptions = {
  strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, noEmit: true,
  skipLibCheck: true, esModuleInterop: true, types: ['node'], allowJs: true, checkJs: true,
};

/** The text of a JSDoc tag's comment (string or NodeArray of parts). */
function tagText(tag) {
  const c = tag.comment;
  if (c === undefined) return '';
  if (typeof c === 'string') return c;
  return c.map((p) => p.text).join('');
}

/** An example's code: the fence contents when fenced, else the whole text. */
function exampleCode(text) {
  const fence = /```\w*\n([\s\S]*?)```/.exec(text);
  return (fence ? fence[1] : text).replace(/^\n+|\s+$/g, '') + '\n';
}

/**
 * Every public export reachable from lib/index.ts: { name (dotted, e.g. 'nn.Linear'), kind,
 * file, line, documented, examples: string[] }. Namespaces (`export * as nn`) are walked;
 * a namespace itself counts as an export (its doc comment is the module comment of its
 * index.ts).
 */
function collectExports(program) {
  const checker = program.getTypeChecker();
  const entry = program.getSourceFile(path.join(root, 'lib', 'index.ts'));
  const out = [];
  const seen = new Set();
  function visitModule(moduleSymbol, prefix) {
    for (const exp of checker.getExportsOfModule(moduleSymbol)) {
      const name = prefix + exp.name;
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      const decls = sym.declarations || [];
      const moduleDecl = decls.find((d) => ts.isSourceFile(d));
      if (moduleDecl) {
        // `export * as ns from './ns'`: the namespace's docs are its index file's first comment.
        const first = moduleDecl.statements[0];
        const tags = first ? ts.getJSDocTags(first) : [];
        const docs = first ? ts.getJSDocCommentsAndTags(first) : [];
        out.push(record(name, 'namespace', moduleDecl, docs.length > 0, tags));
        if (!seen.has(sym)) { seen.add(sym); visitModule(sym, name + '.'); }
        continue;
      }
      const tags = [], documented = [];
      for (const d of decls) {
        // A `const x = ...` carries its JSDoc on the variable statement.
        const node = ts.isVariableDeclaration(d) ? d.parent.parent : d;
        const docs = ts.getJSDocCommentsAndTags(node).filter((c) => ts.isJSDoc(c));
        documented.push(docs.some((c) => c.comment || (c.tags && c.tags.length)));
        for (const doc of docs) for (const t of doc.tags || []) tags.push(t);
      }
      const kind = ts.SymbolFlags[sym.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Function | ts.SymbolFlags.Interface |
        ts.SymbolFlags.TypeAlias | ts.SymbolFlags.Variable | ts.SymbolFlags.Enum)] || 'other';
      out.push(record(name, kind, decls[0], documented.some(Boolean), tags));
    }
  }
  function record(name, kind, decl, documented, tags) {
    const sf = decl.getSourceFile();
    const line = ts.isSourceFile(decl) ? 1 : sf.getLineAndCharacterOfPosition(decl.getStart()).line + 1;
    const examples = tags.filter((t) => t.tagName.text === 'example').map((t) => exampleCode(tagText(t)));
    return { name, kind, file: path.relative(root, sf.fileName), line, documented, examples };
  }
  visitModule(checker.getSymbolAtLocation(entry), '');
  return out;
}

/** The ```ts / ```js fences of a markdown file, in order: { lang: 'ts' | 'js', code }. */
function markdownFences(file) {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/```(ts|js|typescript|javascript)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1].startsWith('j') ? 'js' : 'ts', code: m[2] }));
}

/** README.md and docs/*.md (the guides), relative to the repository root. */
function markdownFiles() {
  const docs = path.join(root, 'docs');
  const guides = fs.existsSync(docs) ? fs.readdirSync(docs).filter((f) => f.endsWith('.md')).sort().map((f) => path.join('docs', f)) : [];
  return ['README.md', ...guides];
}

const libImport = (dir) => path.relative(dir, path.join(root, 'lib')).split(path.sep).join('/').replace(/^(?!\.)/, './');

/**
 * Turns a doc example into a module: its own `import` lines first (else an import of the
 * top-level names it mentions), then the body inside an async function.
 */
function docModule(code, topNames, lib) {
  const lines = code.split('\n');
  const imports = lines.filter((l) => /^import\b/.test(l));
  const body = lines.filter((l) => !/^import\b/.test(l));
  if (imports.length === 0) {
    const text = body.join('\n').replace(/\/\/.*$/gm, '').replace(/'[^'\n]*'|"[^"\n]*"/g, '');
    const used = topNames.filter((n) => new RegExp(`(^|[^.\\w$])${n.replace('$', '\\$')}\\b`).test(text));
    if (used.length) imports.push(`import { ${used.join(', ')} } from 'tensorforge';`);
  }
  return [
    ...imports.map((l) => l.replace(/from 'tensorforge'/, `from '${lib}'`)),
    'export async function example(): Promise<void> {',
    ...body.map((l) => (l ? '  ' + l : l)),
    '}',
    '',
  ].join('\n');
}

/**
 * Writes every sample under outDir and returns them: { file, origin, kind: 'doc'|'markdown',
 * source, lang, code }. Markdown samples are written as they are (with 'tensorforge' pointing at
 * lib/); doc examples as docModule makes them.
 */
function writeSamples(outDir) {
  fs.mkdirSync(outDir, { recursive: true });
  const lib = libImport(outDir);
  const samples = [];
  markdownFiles().forEach((md) => {
    markdownFences(path.join(root, md)).forEach(({ lang, code }, i) => {
      const base = `${md.replace(/[/.]/g, '_')}_${i + 1}`;
      const file = path.join(outDir, `${base}.${lang}`);
      fs.writeFileSync(file, code.replace(/from 'tensorforge'/g, `from '${lib}'`).replace(/require\('tensorforge'\)/g, `require('${lib}')`));
      samples.push({ file, origin: `${md} sample ${i + 1}`, kind: 'markdown', source: md, lang, code });
    });
  });
  const program = ts.createProgram([path.join(root, 'lib', 'index.ts')], compilerOptions);
  const exports = collectExports(program);
  const topNames = exports.filter((e) => !e.name.includes('.')).map((e) => e.name);
  exports.forEach((e, k) => {
    e.examples.forEach((code, i) => {
      // NOTE: numbered, since names may differ only in case (liveMonitor / LiveMonitor).
      const file = path.join(outDir, `doc${k}_${e.name.replace(/\W/g, '_')}_${i + 1}.ts`);
      fs.writeFileSync(file, docModule(code, topNames, lib));
      samples.push({ file, origin: `@example ${i + 1} of ${e.name} (${e.file}:${e.line})`, kind: 'doc', source: e.file, lang: 'ts', code });
    });
  });
  return { samples, exports, program };
}

/** Type-checks every sample file in one program; returns Map(file -> messages). */
function typeCheck(files, oldProgram) {
  const program = ts.createProgram(files, compilerOptions, undefined, oldProgram);
  return new Map(files.map((f) => [f, ts.getPreEmitDiagnostics(program, program.getSourceFile(f)).map((d) => {
    const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
    return `${pos ? `${pos.line + 1}:${pos.character + 1} ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  })]));
}

module.exports = { collectExports, writeSamples, typeCheck, markdownFences, markdownFiles, compilerOptions, root };

if (require.main === module) {
  const outDir = path.resolve(process.argv[2] || path.join(root, 'dist', '.examples'));
  fs.rmSync(outDir, { recursive: true, force: true });
  const { samples, exports, program } = writeSamples(outDir);
  const missing = exports.filter((e) => e.examples.length === 0);
  const diags = process.argv.includes('--no-check') ? new Map() : typeCheck(samples.map((s) => s.file), program);
  let bad = 0;
  for (const s of samples) {
    const d = diags.get(s.file) || [];
    if (d.length) { bad++; console.log(`${s.origin} [${path.relative(root, s.file)}]:\n  ${d.join('\n  ')}`); }
  }
  for (const e of missing) console.log(`no @example: ${e.name} (${e.kind}, ${e.file}:${e.line})`);
  console.log(`${exports.length} exports, ${missing.length} without an example; ${samples.length} samples, ${bad} with type errors`);
  process.exitCode = missing.length || bad ? 1 : 0;
}
