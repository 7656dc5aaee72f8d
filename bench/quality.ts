// What the offline analyzer says about real images, judged against their labels.
//   npm run bench:quality            the whole labelled set (bench/quality/labels.json)
//   VERBOSE=1 npm run bench:quality  also every image's kind, false claims and description
// The images come from Debian packages, fetched once into DEPICT_IMAGE_CACHE.
import { runQuality } from './quality/run.js';

const pct = (x: number | null) => (x === null ? 'n/a (no objects measured)' : `${(x * 100).toFixed(1)}%`);

const figures = await runQuality();
const verbose = process.env.VERBOSE === '1';
for (const j of figures.judgements) {
  const a = figures.analyses.get(j.id)!;
  if (!verbose && j.falseClaims.length === 0 && j.kindRight) continue;
  console.log(`- ${j.id}: kind ${a.facts.kind}${j.kindRight ? '' : ' (wrong)'}; ${j.falseClaims.map((c) => `${c.category}: ${c.claim}`).join('; ') || 'no false claim'}`);
  if (verbose) console.log(`    ${a.description}`);
}
const total = Object.values(figures.falseClaims).reduce((a, b) => a + b, 0);
console.log(`\nimages: ${figures.images}`);
console.log(`false claims: ${total} (${Object.entries(figures.falseClaims).map(([c, n]) => `${c} ${n}`).join(', ')})`);
console.log(`main subject named (COCO subjects): ${pct(figures.subjectRecall)}`);
console.log(`objects named that are there (precision): ${pct(figures.objectPrecision)}`);
console.log(`kind right: ${pct(figures.kindAccuracy)}`);
console.log(`OCR word accuracy (labelled words read): ${pct(figures.ocrWordAccuracy)}`);
console.log(`time per image (median, OCR auto): ${figures.medianMs.toFixed(0)} ms`);
