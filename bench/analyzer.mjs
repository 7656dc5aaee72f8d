#!/usr/bin/env node
// The offline analyzer's speed and memory (issue: "the offline analyzer").
//   node bench/analyzer.mjs           all three figures
// 1. 12-megapixel JPEGs without OCR: median analysis time, and the ratio against
//    decoding the same file with jimp and reading its pixels, in the same run. The two
//    sides alternate in blocks of BLOCK runs back to back, as a busy worker runs them,
//    and the machine settles before every block (not timed): a full collection, a
//    pause for V8's background threads to free what it found, another collection.
//    Without that, the run after jimp's pays for jimp's 100 MB of garbage (measured:
//    87 ms against 40 ms). The collections are regular major ones: V8's bare gc()
//    reduces memory by also throwing away compiled code, so every run after it would
//    start cold, a state a long-running worker is never in.
//    Beside it, the decode alone, and the decode to 512 px that it replaced for large
//    JPEGs (libjpeg at 1/4 and a resize, where 444 px lets libjpeg decode at 1/8).
// 2. OCR on a text page: median time with the OCR worker already started, and its start-up.
// 3. Peak RSS of a fresh process analysing 12-megapixel JPEGs four at a time, with
//    recognition on (ANALYZER_OBJECTS=auto: CenterNet and BlazeFace loaded once).
// 4. Recognition on: median analysis time of a 12-megapixel JPEG in a fresh process
//    pinned to one core (taskset -c 0), after the model's one load, which is shown apart.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Jimp } from 'jimp';
import { OcrEngine, analyzeImage } from '../packages/worker/dist/analyzer/index.js';
import { RecognitionEngine } from '../packages/worker/dist/analyzer/recognition/recognise.js';
import { ANALYSIS_SIDE, analysisSide, decodeForAnalysis } from '../packages/worker/dist/analyzer/decode.js';
import sharp from 'sharp';
import { photo12mp, textPage } from './fixtures.mjs';
import { memoryMb } from './proc.mjs';
import { median, ms, timeRuns } from './stats.mjs';

const RUNS = Number(process.env.RUNS ?? 9);
const BLOCK = Number(process.env.BLOCK ?? 3);
const here = fileURLToPath(import.meta.url);
const collectGarbage = () => globalThis.gc({ type: 'major', execution: 'sync', flavor: 'regular' });
const settle = async () => {
  collectGarbage();
  await new Promise((resolve) => setTimeout(resolve, 250));
  collectGarbage();
};

if (typeof globalThis.gc !== 'function') {
  // Re-run with --expose-gc so runs can start from a clean heap.
  const again = spawnSync(process.execPath, ['--expose-gc', here, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(again.status ?? 1);
}

if (process.argv[2] === '--one-core') {
  // Child, pinned to one core: the model's load, then RUNS analyses with recognition on.
  const file = process.argv[3];
  const recognition = new RecognitionEngine();
  const started = performance.now();
  const first = await analyzeImage(file, { ocr: 'off', recognition });
  const firstMs = performance.now() - started;
  // Wall time, and the process's CPU time (user + system): on a machine that other work
  // shares, the CPU time is what the analysis would take alone on its core.
  const timed = async (fn) => {
    const wall = [];
    const cpu = [];
    for (let i = 0; i < RUNS; i += BLOCK) {
      await settle();
      for (let j = 0; j < BLOCK; j++) {
        const c = process.cpuUsage();
        const t = performance.now();
        await fn();
        wall.push(performance.now() - t);
        const used = process.cpuUsage(c);
        cpu.push((used.user + used.system) / 1000);
      }
    }
    return { wall, cpu };
  };
  const runs = await timed(() => analyzeImage(file, { ocr: 'off', recognition }));
  const plain = await timed(() => analyzeImage(file, { ocr: 'off' }));
  process.stdout.write(JSON.stringify({ firstMs, runs, plain, objects: first.objects, loads: recognition.loads }));
  process.exit(0);
}

if (process.argv[2] === '--rss') {
  // Child: analyse 16 photos, 4 at a time, recognition on, then report the peak resident set.
  const files = process.argv.slice(3);
  const recognition = new RecognitionEngine();
  for (let i = 0; i < 16; i += 4) await Promise.all(files.slice(0, 4).map((f) => analyzeImage(f, { ocr: 'off', recognition })));
  process.stdout.write(JSON.stringify({ maxRssMb: memoryMb('self', 'VmHWM') }));
  process.exit(0);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'depict-bench-'));
try {
  const photos = [
    { label: 'grainy (sigma 20)', file: path.join(dir, 'grainy.jpg'), grain: 20 },
    { label: 'cleaner (sigma 6)', file: path.join(dir, 'clean.jpg'), grain: 6 },
  ];
  for (const p of photos) await photo12mp(p.file, { grain: p.grain });
  const photo = photos[0].file;
  const page = path.join(dir, 'page.png');
  await textPage(page);
  console.log(`analyzer benchmark: ${RUNS} runs each in blocks of ${BLOCK}, medians (node ${process.version}, ${os.cpus().length} cores)\n`);

  // 1. Analysis against the jimp baseline, interleaved so both see the same machine state.
  const jimpReadPixels = async (file) => {
    const image = await Jimp.read(file);
    let sum = 0;
    const data = image.bitmap.data;
    for (let p = 0; p < data.length; p += 4) sum += data[p] + data[p + 1] + data[p + 2];
    if (sum < 0) throw new Error('unreachable');
  };
  // The same decode as decodeForAnalysis, at a side of our choosing.
  const decodeTo = (file, side) =>
    sharp(file).rotate().resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true }).toColourspace('srgb').raw().toBuffer();
  for (const { label, file } of photos) {
    const bytes = statSync(file).size;
    const { width, height } = await sharp(file).metadata();
    await analyzeImage(file, { ocr: 'off' });
    await jimpReadPixels(file);
    const ours = [];
    const jimp = [];
    const decodeOnly = [];
    const decodeAt512 = [];
    for (let i = 0; i < RUNS; i += BLOCK) {
      await settle();
      ours.push(...(await timeRuns(BLOCK, () => analyzeImage(file, { ocr: 'off' }))));
      await settle();
      jimp.push(...(await timeRuns(BLOCK, () => jimpReadPixels(file))));
      await settle();
      decodeOnly.push(...(await timeRuns(BLOCK, () => decodeForAnalysis(file))));
      await settle();
      decodeAt512.push(...(await timeRuns(BLOCK, () => decodeTo(file, ANALYSIS_SIDE))));
    }
    const spread = (xs) => `${ms(Math.min(...xs))} to ${ms(Math.max(...xs))}`;
    const ratio = median(jimp) / median(ours);
    console.log(`12 MP JPEG, ${label}, ${(bytes / 1e6).toFixed(1)} MB, OCR off`);
    console.log(`  depict analyzeImage     ${ms(median(ours))}   (target <= 150 ms; runs ${spread(ours)})`);
    console.log(`  jimp read + pixel loop  ${ms(median(jimp))}   (baseline; runs ${spread(jimp)})`);
    console.log(`  of ours, the decode     ${ms(median(decodeOnly))}   (shrink-on-load alone, to ${analysisSide('jpeg', Math.max(width, height))} px: the floor)`);
    console.log(`  the decode to ${ANALYSIS_SIDE} px    ${ms(median(decodeAt512))}   (libjpeg at 1/4, then a resize: what it replaced)`);
    console.log(`  ratio                   ${ratio.toFixed(1)}x   (target >= 15x)`);
    console.log(`  ratio, the decode alone ${(median(jimp) / median(decodeOnly)).toFixed(1)}x\n`);
  }

  // 2. OCR: start-up once, then recognition.
  const engine = new OcrEngine();
  const started = performance.now();
  await analyzeImage(page, { ocr: 'on', ocrEngine: engine });
  const firstCall = performance.now() - started;
  const ocr = await timeRuns(RUNS, () => analyzeImage(page, { ocr: 'on', ocrEngine: engine }));
  const facts = await analyzeImage(page, { ocr: 'on', ocrEngine: engine });
  await engine.close();
  console.log('text page 1700 x 2200, OCR on');
  console.log(`  first call (starts the OCR worker)  ${ms(firstCall)}`);
  console.log(`  median after that                   ${ms(median(ocr))}   (target <= 1500 ms)`);
  console.log(`  lines read: ${facts.text.lines.length}, words: ${facts.text.words}\n`);

  // 3. Memory, in a fresh process so the jimp runs above do not count.
  const child = spawnSync(process.execPath, [here, '--rss', photo, photo, photo, photo], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`rss child failed: ${child.stderr}`);
  const { maxRssMb } = JSON.parse(child.stdout);
  console.log('12 MP JPEGs, 4 at a time, 16 in all, recognition on, fresh process');
  console.log(`  peak RSS  ${maxRssMb.toFixed(0)} MB   (target <= 700 MB)\n`);

  // 4. Recognition on, one core.
  const pinned = spawnSync('taskset', ['-c', '0', process.execPath, '--expose-gc', here, '--one-core', photo], { encoding: 'utf8' });
  if (pinned.status !== 0) throw new Error(`one-core child failed: ${pinned.error ?? pinned.stderr}`);
  const one = JSON.parse(pinned.stdout);
  console.log('12 MP JPEG, grainy, OCR off, recognition on, one core (taskset -c 0), fresh process');
  console.log(`  first call (loads the models)   ${ms(one.firstMs)}`);
  console.log(`  median after that, CPU time     ${ms(median(one.runs.cpu))}   (target <= 600 ms; runs ${ms(Math.min(...one.runs.cpu))} to ${ms(Math.max(...one.runs.cpu))})`);
  console.log(`  median after that, wall time    ${ms(median(one.runs.wall))}   (longer when other processes share the core)`);
  console.log(`  recognition off, CPU / wall     ${ms(median(one.plain.cpu))} / ${ms(median(one.plain.wall))}`);
  console.log(`  model loads: ${one.loads}; objects named: ${JSON.stringify(one.objects.map((o) => o.label))}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
