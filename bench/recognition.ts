// Object recognition on the labelled sets (bench/recognition/labels.json, and the
// quality set, bench/quality/labels.json): precision of the names the description would
// say, the main subject named, and time per image, for each way of running CenterNet,
// then a sweep of one threshold for every class, on the first variant.
//   node --import tsx bench/recognition.ts            (npm run bench:recognition)
//   VARIANTS=letterbox-512 node --import tsx bench/recognition.ts
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decodeForAnalysis } from '../packages/worker/dist/analyzer/decode.js';
import { rgbOf } from '../packages/worker/dist/analyzer/recognition/rgb.js';
import { CALIBRATION, judge, RecognitionEngine } from '../packages/worker/dist/analyzer/recognition/recognise.js';
import type { RawDetections } from '../packages/worker/dist/analyzer/recognition/engine.js';
import sharp from 'sharp';
import { debianImage, recognitionLabels, type RecognitionLabel } from '../test-support/debian-images.js';
import { labelledImages } from '../test-support/labelled-images.js';
import { scoreRecognition } from '../test-support/recognition-score.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const variants = (process.env.VARIANTS ?? 'letterbox-512,stretch-512').split(',');
const ours = await recognitionLabels();
const images: Array<{ set: string; label: RecognitionLabel; file: string }> = await Promise.all(
  ours.map(async (label) => ({ set: label.set ?? 'recognition', label, file: await debianImage(label.package, label.path, label.member) })),
);
// The quality set lists what is clearly visible, and in objects_also what is not wrong to name.
for (const q of labelledImages()) {
  const present = q.objects.map((o) => o.label);
  const label: RecognitionLabel = { package: q.package, path: q.member ?? q.path, subject: q.coco_subject, present, allowed: q.objects_also ?? [] };
  images.push({ set: 'quality', label, file: q.file });
}
const sets = [...new Set(images.map((i) => i.set))];
const decoded = [];
for (const { set, label, file } of images) {
  // The analyzer reads PNG and JPEG; the quality set has a few WebP images.
  const source = file.endsWith('.webp') ? await sharp(file).png().toBuffer() : file;
  const image = await decodeForAnalysis(source);
  decoded.push({ set, label, image, rgb: rgbOf(image) });
}
const labels = decoded.map((d) => d.label);

type Run = { set: string; label: RecognitionLabel; raw: RawDetections; size: { width: number; height: number; displayWidth: number; displayHeight: number } };
const runs = new Map<string, Run[]>();
for (const variant of variants) {
  const [fit] = variant.split('-') as ['letterbox' | 'stretch'];
  // RAW_CACHE=folder keeps each variant's raw detections, to try thresholds without inference.
  const cache = process.env.RAW_CACHE ? path.join(process.env.RAW_CACHE, `${variant}.json`) : undefined;
  const engine = new RecognitionEngine({ fit });
  let loadMs = 0;
  const times: number[] = [];
  let results: Run[] = [];
  if (cache && existsSync(cache)) {
    results = JSON.parse(readFileSync(cache, 'utf8')) as Run[];
  } else {
    const started = performance.now();
    await engine.load();
    loadMs = performance.now() - started;
    for (const { set, label, image, rgb } of decoded) {
      const t = performance.now();
      const raw = await engine.detect(rgb);
      times.push(performance.now() - t);
      results.push({ set, label, raw, size: { width: rgb.width, height: rgb.height, displayWidth: image.header.width, displayHeight: image.header.height } });
    }
    if (cache) writeFileSync(cache, JSON.stringify(results));
  }
  runs.set(variant, results);
  console.log(`\n${variant}: load ${loadMs.toFixed(0)} ms, median ${(times.length ? median(times) : NaN).toFixed(0)} ms per image (${times.length} images)`);
  for (const set of sets) {
    const mine = results.filter((r) => r.set === set);
    const score = scoreRecognition(mine.map((r) => ({ label: r.label, objects: judge(r.raw, r.size).objects })));
    const subjects = mine.filter((r) => r.label.subject).length;
    console.log(`  ${set} set (${mine.length} images, ${subjects} with a COCO subject): precision ${score.precision.toFixed(3)} (${score.named} named), subject named ${score.subjectRecall.toFixed(3)}`);
    if (process.env.VERBOSE) {
      console.log(`    false: ${score.falseNames.join('; ') || 'none'}`);
      console.log(`    missed: ${score.missedSubjects.join('; ') || 'none'}`);
    }
  }
}

// The thresholds, swept on the first variant's raw detections (no further inference).
const first = runs.get(variants[0]!)!;
console.log(`\nglobal thresholds alone (no per-label values) on ${variants[0]}:`);
// Naming counts sure and probable names alike, so only the lower threshold matters here.
console.log('  probable  minArea  precision  subject');
for (const probable of [0.25, 0.3, 0.35, 0.4]) {
  for (const minArea of [0.005, 0.01, 0.02]) {
    const c = { ...CALIBRATION, perLabel: {}, sure: Math.max(probable, CALIBRATION.sure), probable, minArea };
    const s = scoreRecognition(first.map((r) => ({ label: r.label, objects: judge(r.raw, r.size, c).objects })));
    console.log(`  ${probable.toFixed(2)}      ${minArea.toFixed(3)}    ${s.precision.toFixed(3)}      ${s.subjectRecall.toFixed(3)}`);
  }
}
if (process.env.DUMP) {
  for (const r of first) {
    const top = r.raw.objects.slice(0, 6).map((o) => `${o.label} ${o.score.toFixed(2)} ${((o.box[2] * o.box[3]) / (r.size.width * r.size.height)).toFixed(3)}`);
    const faces = r.raw.faces.map((f) => f.score.toFixed(2));
    console.log(`${path.basename(r.label.path)} [${r.label.subject}] :: ${top.join(' | ')} :: faces ${faces.join(',')}`);
  }
}
