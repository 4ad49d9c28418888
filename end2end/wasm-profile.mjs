// Where a wasm's code bytes go: reads the function bodies and the `name` section of a wasm
// built with names (the release wasm before wasm-bindgen and wasm-opt keeps them:
// target/wasm32-unknown-unknown/wasm-release/frontend.wasm) and sums body sizes by a category
// taken from each (mangled) function name, first match wins, then lists the largest functions.
//
//   node end2end/wasm-profile.mjs target/wasm32-unknown-unknown/wasm-release/frontend.wasm [TOP]
import { readFileSync } from 'node:fs';

const [file, top = '15'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node end2end/wasm-profile.mjs FILE.wasm [TOP]');
  process.exit(2);
}
const bytes = readFileSync(file);
let at = 8;
const leb = () => {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return value;
};
const skipName = () => { const length = leb(); at += length; };
const skipLimits = () => { const flags = bytes[at++]; leb(); if (flags & 1) leb(); };

let importedFunctions = 0;
const bodies = [];
const names = new Map();
while (at < bytes.length) {
  const id = bytes[at++];
  const length = leb();
  const start = at;
  if (id === 2) {
    for (let count = leb(); count > 0; count--) {
      skipName();
      skipName();
      const kind = bytes[at++];
      if (kind === 0) { leb(); importedFunctions++; }
      else if (kind === 1) { at++; skipLimits(); }
      else if (kind === 2) skipLimits();
      else if (kind === 3) at += 2;
      else if (kind === 4) { at++; leb(); }
    }
  } else if (id === 10) {
    for (let count = leb(); count > 0; count--) { const size = leb(); bodies.push(size); at += size; }
  } else if (id === 0) {
    const nameLength = leb();
    const section = bytes.subarray(at, at + nameLength).toString();
    at += nameLength;
    while (section === 'name' && at < start + length) {
      const kind = bytes[at++];
      const size = leb();
      const end = at + size;
      if (kind === 1) {
        for (let count = leb(); count > 0; count--) {
          const index = leb();
          const l = leb();
          names.set(index, bytes.subarray(at, at + l).toString());
          at += l;
        }
      }
      at = end;
    }
  }
  at = start + length;
}

const CATEGORIES = [
  ['tachys hydrate_async', /hydrate_async/],
  ['tachys hydrate', /hydrate/],
  ['tachys build/rebuild', /\d+build\d|\d+rebuild\d/],
  ['charming', /charming/],
  ['serde_json', /serde_json/],
  ['serde', /serde/],
  ['reactive_graph', /reactive_graph/],
  ['tachys (rest)', /tachys/],
  ['leptos_router', /leptos_router/],
  ['app', /\dapp\d|\bapp::/],
  ['wasm_bindgen, web_sys, js_sys', /wasm_bindgen|web_sys|js_sys/],
  ['core, alloc, std', /core|alloc|std/],
];
const total = bodies.reduce((sum, size) => sum + size, 0);
const byCategory = new Map();
const named = bodies.map((size, index) => ({ size, name: names.get(index + importedFunctions) ?? '?' }));
for (const { size, name } of named) {
  const category = CATEGORIES.find(([, pattern]) => pattern.test(name))?.[0] ?? 'other';
  byCategory.set(category, (byCategory.get(category) ?? 0) + size);
}
const percent = (size) => `${((100 * size) / total).toFixed(1).padStart(5)} %`;
console.log(`${bodies.length} functions, ${total} code bytes, ${names.size} names`);
for (const [category, size] of [...byCategory].sort((a, b) => b[1] - a[1])) {
  console.log(`${String(size).padStart(9)} ${percent(size)}  ${category}`);
}
console.log(`largest ${top} functions:`);
for (const { size, name } of named.sort((a, b) => b.size - a.size).slice(0, Number(top))) {
  console.log(`${String(size).padStart(9)} ${percent(size)}  ${name.slice(0, 140)}`);
}
