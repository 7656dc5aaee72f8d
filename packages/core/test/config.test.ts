import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, parseConfig } from '@depict/core';
import { REPO_ROOT, baseEnv } from '../../../test-support/processes.js';

const config = suite('configuration');

config('defaults follow DESIGN.md', () => {
  const c = parseConfig({}, '/srv/depict');
  assert.is(c.port, 8000);
  assert.is(c.host, '127.0.0.1');
  assert.is(c.redisUrl, 'redis://127.0.0.1:6379');
  assert.is(c.queuePrefix, 'depict');
  assert.is(c.dataDir, '/srv/depict/data');
  assert.is(c.databaseUrl, undefined);
  assert.is(c.maxUploadBytes, 20 * 1024 * 1024);
  assert.is(c.openai.apiKey, undefined);
  assert.is(c.openai.model, 'gpt-4o-mini');
  assert.is(c.openai.baseUrl, undefined);
  assert.ok(c.workerConcurrency >= 1);
});

config('decode limits and proof turns: defaults, and proofs kept below the thread pool', () => {
  const c = parseConfig({});
  assert.equal(c.decodeLimits, { maxPixels: 100_000_000, maxJpegScans: 100, maxDecodeBytes: 256 * 1024 * 1024 });
  assert.equal(c.proofs, { concurrency: 2, queueMax: 32, timeoutMs: 10_000 });
  assert.throws(() => parseConfig({ PROOF_CONCURRENCY: '4' }), (err: Error) => err instanceof ConfigError && /PROOF_CONCURRENCY.*UV_THREADPOOL_SIZE \(4\)/.test(err.message));
  assert.is(parseConfig({ PROOF_CONCURRENCY: '4', UV_THREADPOOL_SIZE: '8' }).proofs.concurrency, 4);
  assert.throws(() => parseConfig({ PROOF_CONCURRENCY: '2', UV_THREADPOOL_SIZE: '2' }), /PROOF_CONCURRENCY/);
});

config('vision prices: both or neither; a daily token limit per key', () => {
  assert.is(parseConfig({}).openai.prices, undefined);
  assert.is(parseConfig({}).keyDailyTokenLimit, undefined);
  const priced = parseConfig({ OPENAI_PRICE_INPUT_PER_MTOK: '0.15', OPENAI_PRICE_OUTPUT_PER_MTOK: '0.6', KEY_DAILY_TOKEN_LIMIT: '50000' });
  assert.equal(priced.openai.prices, { inputPerMTok: 0.15, outputPerMTok: 0.6 });
  assert.is(priced.keyDailyTokenLimit, 50_000);
  assert.throws(() => parseConfig({ OPENAI_PRICE_INPUT_PER_MTOK: '0.15' }), /set both/);
  assert.throws(() => parseConfig({ OPENAI_PRICE_INPUT_PER_MTOK: '-1', OPENAI_PRICE_OUTPUT_PER_MTOK: '1' }), /OPENAI_PRICE_INPUT_PER_MTOK/);
  assert.throws(() => parseConfig({ KEY_DAILY_TOKEN_LIMIT: '0' }), /KEY_DAILY_TOKEN_LIMIT/);
});

config('an empty variable means its default', () => {
  const c = parseConfig({ OPENAI_API_KEY: '', PORT: '', OPENAI_VISION_MODEL: '' });
  assert.is(c.openai.apiKey, undefined);
  assert.is(c.port, 8000);
  assert.is(c.openai.model, 'gpt-4o-mini');
});

for (const [name, value] of [
  ['PORT', 'eighty'],
  ['MAX_UPLOAD_MB', '-3'],
  ['REDIS_URL', 'localhost:6379'],
  ['DATABASE_URL', 'mysql://db/x'],
  ['WORKER_CONCURRENCY', '0'],
  ['OPENAI_BASE_URL', 'ftp://models'],
  ['PUBLIC_URL', 'depict.example.org'],
  ['REQUEST_LOG_LEVEL', 'loud'],
] as const) {
  config(`a bad ${name} is refused with a message naming it`, () => {
    try {
      parseConfig({ [name]: value });
      assert.unreachable('should have thrown');
    } catch (err) {
      assert.instance(err, ConfigError);
      assert.match((err as Error).message, new RegExp(`${name}=`));
    }
  });
}

for (const entry of ['server', 'worker']) {
  config(`the ${entry} stops at start on a bad value and says which variable`, async () => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, `packages/${entry}/bundle/main.mjs`)], {
      env: baseEnv({ WORKER_CONCURRENCY: 'lots', DATA_DIR: '/tmp/depict-never-created' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = await once(child, 'exit');
    assert.is(code, 1);
    assert.match(stderr, /WORKER_CONCURRENCY="lots"/);
    assert.not.match(stderr, /at .*\.js:\d+/);
  });
}

config.run();
