import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CODES } from '@depict/contract';
import { REPO_ROOT, Stack, tempDir } from '../../../test-support/processes.js';

/**
 * /openapi.json as a live server serves it: Redocly's recommended rules find nothing
 * (redocly.yaml turns off only what it says why), and it names every route, field,
 * header, status and media type a client meets.
 */
const openapi = suite('the OpenAPI document');
const KEY = 'openapi-test-key';
const PUBLIC_URL = 'https://depict.internal.test';
const stack = new Stack({ API_KEYS: KEY, PUBLIC_URL: `${PUBLIC_URL}/` });
let doc: any;

openapi.before(async () => {
  await stack.start({ worker: false });
  const res = await fetch(`${stack.url}/openapi.json`, { headers: { authorization: `Bearer ${KEY}` } });
  assert.is(res.status, 200);
  doc = await res.json();
});
openapi.after(async () => {
  await stack.stop();
});

openapi("Redocly's recommended rules: 0 errors, 0 warnings", async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir.path, 'openapi.json');
    await writeFile(file, JSON.stringify(doc));
    const run = spawnSync(
      path.join(REPO_ROOT, 'node_modules/.bin/redocly'),
      ['lint', file, '--config', path.join(REPO_ROOT, 'redocly.yaml'), '--format', 'json'],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
    );
    const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as { totals: Record<string, number>; problems: unknown[] };
    assert.equal(report.totals, { errors: 0, warnings: 0, ignored: 0 }, JSON.stringify(report.problems, null, 2).slice(0, 4000));
  } finally {
    await dir.remove();
  }
});

openapi('every route the server answers is in it, each with a summary, an example and its security', () => {
  const operations = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item as object).map((m) => `${m.toUpperCase()} ${p}`));
  assert.equal(operations.sort(), [
    'DELETE /jobs/{job_id}',
    'GET /events/{job_id}',
    'GET /health',
    'GET /jobs',
    'GET /metrics',
    'GET /openapi.json',
    'GET /ready',
    'GET /result/{job_id}',
    'GET /stats',
    'GET /status/{job_id}',
    'POST /jobs/retry',
    'POST /jobs/{job_id}/retry',
    'POST /submit',
  ]);
  for (const [p, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      const name = `${method} ${p}`;
      assert.ok(op.summary, name);
      const examples = Object.values<any>(op.responses).flatMap((r) => Object.values<any>(r.content ?? {}).map((m) => m.example));
      assert.ok(examples.every((e) => e !== undefined), `${name}: an example on every response with a body`);
      const schemes = op.security.flatMap((s: object) => Object.keys(s));
      if (p === '/health') assert.equal(op.security, [], 'liveness is open to all');
      else if (p === '/metrics') assert.equal(schemes, ['MetricsKey']);
      else assert.equal(schemes, ['ApiKey'], name);
      if (p !== '/health') {
        for (const status of ['401', '421', '429']) assert.ok(op.responses[status], `${name} ${status}`);
      }
    }
  }
});

openapi('servers: PUBLIC_URL without its final slash', () => {
  assert.equal(doc.servers, [{ url: PUBLIC_URL }]);
});

openapi('POST /submit: every form field, Idempotency-Key, single and batch answers, every refusal', () => {
  const op = doc.paths['/submit'].post;
  const form = op.requestBody.content['multipart/form-data'].schema;
  assert.equal(Object.keys(form.properties).sort(), ['cache', 'callback_url', 'detail', 'file', 'language', 'length', 'prompt', 'url']);
  assert.is(form.properties.file.format, 'binary');
  assert.is(form.required, undefined, 'a file or a url');
  const json = op.requestBody.content['application/json'].schema;
  assert.equal(json.required, ['url']);
  assert.ok(op.parameters.some((p: any) => p.in === 'header' && p.name === 'Idempotency-Key'));
  const accepted = op.responses['202'].content['application/json'].schema.anyOf.map((s: any) => s.$ref);
  assert.equal(accepted, ['#/components/schemas/SubmitResponse', '#/components/schemas/BatchSubmitResponse']);
  assert.equal(Object.keys(op.responses).sort(), ['202', '400', '401', '408', '413', '415', '421', '422', '429', '502', '503', '504', '507']);
  for (const [status, response] of Object.entries<any>(op.responses)) {
    if (status === '202') continue;
    const example = response.content['application/json'].example;
    assert.is((CODES as Record<string, { http?: number }>)[example.error.code]?.http, Number(status), `${status}'s example has a code of that status`);
  }
});

openapi('GET /result: 200 when finished, 202 with Retry-After while not; the analysis typed', () => {
  const responses = doc.paths['/result/{job_id}'].get.responses;
  assert.equal(responses['202'].content['application/json'].schema, { $ref: '#/components/schemas/PendingResult' });
  assert.ok(responses['202'].headers['Retry-After']);
  assert.is(responses['200'].content['application/json'].schema.oneOf.length, 3);
  const analysis = doc.components.schemas.Analysis;
  assert.ok(analysis.properties.palette.items.properties.name);
  assert.is(doc.components.schemas.DoneDetails.properties.analysis.$ref, '#/components/schemas/Analysis');
  assert.is(doc.paths['/jobs/{job_id}'].delete.responses['204'].description.length > 0, true);
});

openapi('GET /events: text/event-stream; /metrics: text/plain; /ready: its report on 503', () => {
  assert.ok(doc.paths['/events/{job_id}'].get.responses['200'].content['text/event-stream']);
  assert.ok(doc.paths['/metrics'].get.responses['200'].content['text/plain']);
  assert.is(doc.paths['/ready'].get.responses['503'].content['application/json'].schema.$ref, '#/components/schemas/Readiness');
});

openapi.run();
