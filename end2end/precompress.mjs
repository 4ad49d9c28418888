// Writes FILE.br (brotli, quality 11) and FILE.gz (gzip, level 9) next to each FILE named on the
// command line, for the server to send as they are to browsers that accept them (the release's
// wasm, its JavaScript glue, the stylesheet and the chart script). Done once at build time, so the best
// (slowest) settings cost nothing per request. Prints each file's three sizes.
//
//   node end2end/precompress.mjs FILE...
import { readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node end2end/precompress.mjs FILE...');
  process.exit(2);
}
for (const file of files) {
  const data = readFileSync(file);
  const brotli = brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      [constants.BROTLI_PARAM_MODE]: file.endsWith('.wasm')
        ? constants.BROTLI_MODE_GENERIC
        : constants.BROTLI_MODE_TEXT,
    },
  });
  const gzip = gzipSync(data, { level: 9 });
  writeFileSync(`${file}.br`, brotli);
  writeFileSync(`${file}.gz`, gzip);
  console.log(`${file}: ${data.length} bytes, ${gzip.length} gzip, ${brotli.length} brotli`);
}
