import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runQuality, type QualityFigures } from '../../../bench/quality/run.js';
import { ALT_TEXT_MAX, AnalysisSchema, describeFacts } from '../src/analyzer/index.js';

/**
 * The figures of `npm run bench:quality` over the whole labelled set stay above these
 * thresholds. They are set from the figures measured when they were written (docs/
 * performance.md): no false claim of transparency, sharpness, kind or EXIF (issue 19's
 * target), at most one of light or colour, kind right for 90% (measured 100%), OCR reading
 * 60% of the labelled words (measured 67%). Main subject and object precision are checked
 * once the analysis names objects (recognition), against issue 19's targets.
 */
const quality = suite('offline analyzer quality on the labelled set of real images');
let figures: QualityFigures;

// In a test rather than a before hook, so a failed fetch of the set is reported with its reason.
quality('the labelled set is fetched and analysed', async () => {
  figures = await runQuality();
  assert.ok(figures.images >= 40, String(figures.images));
});

const claims = (category: string) =>
  figures.judgements.flatMap((j) => j.falseClaims.filter((c) => c.category === category).map((c) => `${j.id}: ${c.claim}`));

quality('no false claim of transparency, sharpness, kind or EXIF', () => {
  for (const category of ['transparency', 'sharpness', 'kind', 'exif']) assert.equal(claims(category), [], category);
});

quality('at most one false claim of light and one of colour', () => {
  assert.ok(claims('light').length <= 1, claims('light').join('; '));
  assert.ok(claims('colour').length <= 1, claims('colour').join('; '));
});

quality('kind right for at least 90% of the images', () => {
  const wrong = figures.judgements.filter((j) => !j.kindRight).map((j) => `${j.id}: ${figures.analyses.get(j.id)?.facts.kind}`);
  assert.ok(figures.kindAccuracy >= 0.9, `${figures.kindAccuracy}: ${wrong.join(', ')}`);
});

quality('OCR reads at least 60% of the labelled words', () => {
  assert.ok(figures.ocrWordAccuracy >= 0.6, String(figures.ocrWordAccuracy));
});

quality('when objects are named: the main subject for 70% of COCO subjects, precision 0.9', () => {
  if (figures.objectPrecision === null) return; // recognition off or not in this build
  assert.ok(figures.subjectRecall >= 0.7, String(figures.subjectRecall));
  assert.ok(figures.objectPrecision >= 0.9, String(figures.objectPrecision));
});

quality('every alt text fits in 125 characters and every analysis matches its schema', () => {
  for (const [id, { facts }] of figures.analyses) {
    AnalysisSchema.parse(facts);
    const alt = describeFacts(facts, 'alt');
    assert.ok(alt.length <= ALT_TEXT_MAX, `${id}: ${alt}`);
  }
});

quality.run();
