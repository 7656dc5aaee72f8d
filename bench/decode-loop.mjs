// A child of bench/cpu-bound.ts: the analyzer's decode of one file, COUNT times, and
// nothing else. It loads its modules and decodes once, says "ready", waits for a line on
// stdin so that every child starts at once, then prints the loop's milliseconds.
//   node bench/decode-loop.mjs FILE COUNT
import { decodeForAnalysis } from '../packages/worker/dist/analyzer/decode.js';

const [file, count] = [process.argv[2], Number(process.argv[3])];
await decodeForAnalysis(file);
console.log('ready');
await new Promise((resolve) => process.stdin.once('data', resolve));
const started = performance.now();
// From the file, as the worker reads an upload of this size.
for (let i = 0; i < count; i++) await decodeForAnalysis(file);
console.log(`done ${performance.now() - started}`);
process.exit(0);
