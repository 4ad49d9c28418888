// Writes PKG/__wasm_split_manifest.json from the link module `wasm-split-cli` wrote
// (PKG/__wasm_split.js): for each split (a lazy route's view), the wasm files it loads, shared
// chunks first. The server reads it to tell the browser, in a page's <head>, which chunks the
// page will need, so they download alongside the main module instead of after it. (The
// library form of wasm-split returns this map; its command-line form does not write it.)
//
//   node end2end/split-manifest.mjs PKG
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const pkg = process.argv[2];
if (!pkg) {
  console.error('usage: node end2end/split-manifest.mjs PKG');
  process.exit(2);
}
const js = readFileSync(join(pkg, '__wasm_split.js'), 'utf8');

// `const __chunk_6 = makeLoad(() => { const src = fetch(new URL("./chunk_6.wasm", ...`
const chunks = new Map();
for (const m of js.matchAll(/const (\w+) = makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([\w.]+)\.wasm"/g)) {
  chunks.set(m[1], m[2]);
}
// `export const __wasm_split_load_NAME = wrapAsyncCb(makeLoad(() => { ... "./FILE.wasm" ... }, [DEPS]));`
const manifest = {};
const loader = /export const __wasm_split_load_(\w+) = wrapAsyncCb\(makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\.\/([\w.]+)\.wasm"[\s\S]*?\n, \[([^\]]*)\]\)\);/g;
for (const [, split, file, deps] of js.matchAll(loader)) {
  const files = deps
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) => {
      const chunk = chunks.get(d);
      if (!chunk) throw new Error(`${split} loads ${d}, which __wasm_split.js does not define`);
      return chunk;
    });
  manifest[split] = [...files, file];
}
const splits = Object.keys(manifest).length;
const declared = (js.match(/export const __wasm_split_load_/g) || []).length;
if (splits === 0 || splits !== declared) {
  throw new Error(`read ${splits} of the ${declared} splits in __wasm_split.js: has its format changed?`);
}
writeFileSync(join(pkg, '__wasm_split_manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
console.log(`${pkg}/__wasm_split_manifest.json: ${splits} splits, ${chunks.size} shared chunks`);
