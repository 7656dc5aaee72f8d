import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { decodeForAnalysis } from './src/analyzer/decode.js';
import { rgbOf } from './src/analyzer/recognition/rgb.js';
import { RecognitionEngine, judge } from './src/analyzer/recognition/recognise.js';
const engine = new RecognitionEngine();
for (const f of readdirSync('/tmp/rec-gc').sort()) {
  const image = await decodeForAnalysis(await sharp(`/tmp/rec-gc/${f}`).png().toBuffer());
  const rgb = rgbOf(image);
  const raw = await engine.detect(rgb);
  const j = judge(raw, { width: rgb.width, height: rgb.height, displayWidth: image.header.width, displayHeight: image.header.height });
  const top = raw.objects.slice(0, 3).map((o) => `${o.label} ${o.score.toFixed(2)} ${((o.box[2] * o.box[3]) / (rgb.width * rgb.height)).toFixed(2)}`);
  console.log(`${f}: NAMED ${JSON.stringify(j.objects.slice(0, 3).map((o) => `${o.label}:${o.confidence}`))} people ${j.people} :: raw ${top.join(' | ')} :: faces ${raw.faces.map((x) => x.score.toFixed(2)).join(',')}`);
}
