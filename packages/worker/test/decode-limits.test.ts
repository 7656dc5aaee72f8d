import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DepictError, DescribeError } from '@depict/contract';
import type { DecodeLimits } from '@depict/core';
import { submit, waitForResult } from '../../../test-support/api.js';
import { MOST_GREY_SCANS, manyScanJpeg, zeroPng } from '../../../test-support/hostile-images.js';
import { Stack, tempDir } from '../../../test-support/processes.js';
import { createAnalyzerDescriber } from '../src/analyzer/index.js';
import { decodeForAnalysis } from '../src/analyzer/decode.js';
import { OpenAIDescriber, prepareImage } from '../src/describers/openai-describer.js';

/**
 * A job may hold an image the server would refuse today: accepted before the limits
 * existed, or by a server configured otherwise. The worker checks the same limits before
 * it decodes, and the job fails with the server's code instead of taking gigabytes.
 */
const test = suite('decode limits in the worker');

const limits: DecodeLimits = { maxPixels: 100_000_000, maxJpegScans: 100, maxDecodeBytes: 16 * 1024 * 1024 };
const scans = manyScanJpeg({ width: 96, height: 64, scans: MOST_GREY_SCANS });
// 1600 x 1600 16-bit RGBA, interlaced: 20 MB decoded whole, from a few KB.
const interlaced = await zeroPng({ width: 1600, height: 1600, bitDepth: 16, colourType: 6, interlaced: true });

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'ok', (err: { code?: string }) => err.code ?? String(err));

test('the analyzer decode refuses before decoding, from bytes and from a file', async () => {
  const dir = await tempDir();
  try {
    for (const [name, bytes, code] of [
      ['scans.jpg', scans, 'too_many_scans'],
      ['adam7.png', interlaced, 'too_large_to_decode'],
    ] as const) {
      const file = path.join(dir.path, name);
      await writeFile(file, bytes);
      const refusal = await decodeForAnalysis(bytes, limits).catch((err: unknown) => err);
      assert.instance(refusal, DepictError, name);
      assert.is((refusal as DepictError).code, code, name);
      assert.is(await codeOf(decodeForAnalysis(file, limits)), code, `${name} from a file`);
    }
    // Under looser limits both decode: the refusals were the limits, not damage.
    const looser = { ...limits, maxJpegScans: MOST_GREY_SCANS, maxDecodeBytes: 64 * 1024 * 1024 };
    assert.is(await codeOf(decodeForAnalysis(scans, looser)), 'ok');
    assert.is(await codeOf(decodeForAnalysis(interlaced, looser)), 'ok');
  } finally {
    await dir.remove();
  }
});

test('both describers fail the job with the server\'s code, not corrupt_image, and the vision API is never called', async () => {
  const image = (source: Buffer) => ({ source, mediaType: 'image/png' as const, byteSize: source.length, filename: null });
  const analyzer = createAnalyzerDescriber({ ocr: 'off', revealGps: false, limits });
  // Nothing listens on port 9: a call would fail as vision_unreachable.
  const vision = new OpenAIDescriber({ apiKey: 'sk-test', model: 'm', baseUrl: 'http://127.0.0.1:9/v1', timeoutMs: 1000, maxRetries: 0, limits });
  for (const describer of [analyzer, vision]) {
    for (const [bytes, code] of [
      [scans, 'too_many_scans'],
      [interlaced, 'too_large_to_decode'],
    ] as const) {
      const err = await describer.describe(image(bytes)).catch((e: unknown) => e);
      assert.instance(err, DescribeError, describer.name);
      assert.is((err as DescribeError).code, code, `${describer.name}: ${(err as Error).message}`);
    }
  }
  // Even an image small and plain enough to go to the model as it is.
  assert.is(await codeOf(prepareImage(scans, scans.length, limits)), 'too_many_scans');
});

test('a job accepted under the server\'s limits fails under the worker\'s with the same code', async () => {
  const stack = new Stack({ MAX_JPEG_SCANS: String(MOST_GREY_SCANS), ANALYZER_OCR: 'off' });
  await stack.start({ worker: false });
  try {
    await stack.startWorker({ MAX_JPEG_SCANS: '100', MAX_DECODE_MB: '16' });
    for (const [name, bytes, code] of [
      ['scans.jpg', scans, 'too_many_scans'],
      ['adam7.png', interlaced, 'too_large_to_decode'],
    ] as const) {
      const sent = await submit(stack.url, bytes, { filename: name });
      assert.is(sent.status, 202, `${name}: ${JSON.stringify(sent.body)}`);
      const result = await waitForResult(stack.url, sent.body.job_id);
      assert.is(result.body.status, 'failed', `${name}: ${JSON.stringify(result.body)}`);
      assert.is(result.body.error.code, code, name);
    }
  } catch (err) {
    console.error(stack.output());
    throw err;
  } finally {
    await stack.stop();
  }
});

test.run();
