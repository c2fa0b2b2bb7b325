#!/usr/bin/env node
// Lists native sources for binding.gyp (`<!@(node tools/build/sources.js ...)`) and CMakeLists.txt,
// so adding a kernel file needs no build-file edit.
//   node tools/build/sources.js cpu <generic|avx2|avx512>  kernels compiled once per ISA:
//        every native/cpu/**/*.cpp outside ref/, except files ending _<otherisa>.cpp and _amx.cpp
//   node tools/build/sources.js cpu amx                     the AMX files (*_amx.cpp): part of the
//        avx512 variant (TF_ISA=avx512), compiled with the AMX flags on top of avx512's
//   node tools/build/sources.js addon                       the CPU addon: runtime/, binding/ (not
//        binding/cuda/), cpu/ref/ and the CUDA stub native/cuda/stub.cpp
//   node tools/build/sources.js cuda-addon                  the CUDA addon's host sources: the same
//        runtime/, binding/ and cpu/ref/ plus binding/cuda/ (kernels: native/cuda/*.cu)
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..', '..');
const isas = ['generic', 'avx2', 'avx512'];
// Extensions of an ISA whose files build apart, with their own flags (not run-time ISAs).
const extensions = ['amx'];

function walk(dir) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) return walk(rel);
    return e.name.endsWith('.cpp') ? [rel] : [];
  }).sort();
}

const [kind, isa] = process.argv.slice(2);
let files;
if (kind === 'cpu') {
  if (!isas.includes(isa) && !extensions.includes(isa)) throw new Error(`sources.js: unknown ISA ${isa}`);
  const others = [...isas, ...extensions].filter((i) => i !== isa);
  files = walk('native/cpu').filter((f) => !f.startsWith('native/cpu/ref/') &&
    (extensions.includes(isa) ? f.endsWith(`_${isa}.cpp`) : !others.some((o) => f.endsWith(`_${o}.cpp`))));
} else if (kind === 'addon' || kind === 'cuda-addon') {
  const shared = [...walk('native/runtime'), ...walk('native/binding'), ...walk('native/cpu/ref')];
  const cudaOnly = (f) => f.startsWith('native/binding/cuda/');
  files = kind === 'addon' ? [...shared.filter((f) => !cudaOnly(f)), 'native/cuda/stub.cpp'] : shared;
} else {
  throw new Error('usage: sources.js cpu <isa> | addon | cuda-addon');
}
process.stdout.write(files.join(cmakeMode() ? ';' : ' '));

function cmakeMode() { return process.env.TF_SOURCES_CMAKE === '1'; }
