#!/usr/bin/env node
// A Postman collection of a running Depict server, made from its /openapi.json by
// openapi-to-postmanv2, with a test script on each call and the calls in the order a
// run follows one image: submit, status (a long poll), result, events, list, retry,
// stats, delete; then the service routes. Newman runs it in CI
// (packages/server/test/postman.test.ts); Postman imports it (File > Import).
// Usage: node scripts/postman-collection.mjs [server URL] [output file] [--image FILE]
//   server URL: default http://127.0.0.1:8000; DEPICT_API_KEY: sent when the server has API_KEYS
//   output: default depict.postman_collection.json
//   --image: the file the submit call uploads (Postman asks for one when it has none)
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Converter from 'openapi-to-postmanv2';

/** The test script of each call, by the route it calls. `job_id` is a collection variable the submit sets. */
const TESTS = {
  'POST /submit': [
    "pm.test('202 with a queued job', () => {",
    '  pm.response.to.have.status(202);',
    '  const job = pm.response.json();',
    "  pm.expect(job.job_id).to.match(/^[0-9a-f-]{36}$/);",
    "  pm.expect(job.status_url).to.eql('/status/' + job.job_id);",
    "  pm.collectionVariables.set('job_id', job.job_id);",
    '});',
  ],
  'GET /status/:job_id': [
    "pm.test('200 with the state of the job', () => {",
    '  pm.response.to.have.status(200);',
    "  pm.expect(pm.response.json().job_id).to.eql(pm.collectionVariables.get('job_id'));",
    "  pm.expect(pm.response.json().status).to.be.oneOf(['queued', 'processing', 'done', 'failed']);",
    '});',
  ],
  'GET /result/:job_id': [
    '// While the job is queued or processing: 202 and Retry-After; wait on /status again (at most 30 times).',
    'if (pm.response.code === 202) {',
    "  const tries = Number(pm.collectionVariables.get('result_tries') || 0) + 1;",
    "  pm.collectionVariables.set('result_tries', tries);",
    "  pm.test('202 comes with Retry-After', () => pm.response.to.have.header('Retry-After'));",
    '  const next = pm.execution?.setNextRequest ?? postman.setNextRequest;',
    '  if (tries < 30) next({{status}});',
    '} else {',
    "  pm.test('200 with the description', () => {",
    '    pm.response.to.have.status(200);',
    '    const result = pm.response.json();',
    "    pm.expect(result.status).to.eql('done');",
    "    pm.expect(result.description).to.be.a('string').and.not.empty;",
    "    pm.expect(result._generated_by).to.be.a('string');",
    '  });',
    '}',
  ],
  'GET /events/:job_id': [
    "pm.test('an event stream that ends with the finished job', () => {",
    '  pm.response.to.have.status(200);',
    "  pm.expect(pm.response.headers.get('Content-Type')).to.include('text/event-stream');",
    "  pm.expect(pm.response.text()).to.include('event: status');",
    '  pm.expect(pm.response.text()).to.include(\'"status":"done"\');',
    '});',
  ],
  'GET /jobs': [
    "pm.test('200 with a page that holds the job', () => {",
    '  pm.response.to.have.status(200);',
    '  const ids = pm.response.json().items.map((job) => job.job_id);',
    "  pm.expect(ids).to.include(pm.collectionVariables.get('job_id'));",
    '});',
  ],
  'POST /jobs/:job_id/retry': [
    "pm.test('409: only a failed job can be retried', () => {",
    '  pm.response.to.have.status(409);',
    "  pm.expect(pm.response.json().error.code).to.eql('conflict');",
    '});',
  ],
  'DELETE /jobs/:job_id': [
    "pm.test('204: the finished job is deleted with its data', () => pm.response.to.have.status(204));",
  ],
};

/** Calls without a script of their own: a 2xx answer. */
const ANSWERS = ["pm.test('a 2xx answer', () => pm.expect(pm.response.code).to.be.within(200, 299));"];

/** The order of a run; calls not named here come after, as the converter lists them. */
const ORDER = ['POST /submit', 'GET /status/:job_id', 'GET /result/:job_id', 'GET /events/:job_id', 'GET /jobs', 'POST /jobs/:job_id/retry', 'POST /jobs/retry', 'GET /stats', 'DELETE /jobs/:job_id'];

const routeOf = (item) => `${item.request.method} /${item.request.url.path.join('/')}`;
const isPlaceholder = (value) => typeof value === 'string' && /^<.*>$/.test(value);

function convert(openapi) {
  const options = { folderStrategy: 'Tags', parametersResolution: 'Example', requestNameSource: 'Fallback' };
  return new Promise((resolve, reject) => {
    Converter.convert({ type: 'json', data: openapi }, options, (err, out) => {
      if (err) reject(err);
      else if (!out.result) reject(new Error(`openapi-to-postmanv2: ${out.reason}`));
      else resolve(out.output[0].data);
    });
  });
}

/** Make one call runnable as it stands: the job from submit, no placeholder sent, the image to upload, its test. */
function prepare(item, image, names) {
  const { request } = item;
  const route = routeOf(item);
  for (const variable of request.url.variable ?? []) if (variable.key === 'job_id') variable.value = '{{job_id}}';
  for (const param of [...(request.url.query ?? []), ...(request.header ?? []), ...(request.body?.formdata ?? [])]) {
    if (isPlaceholder(param.value)) param.disabled = true;
  }
  if (request.body?.mode === 'raw') {
    const fields = Object.entries(JSON.parse(request.body.raw)).filter(([, value]) => !isPlaceholder(value));
    request.body.raw = JSON.stringify(Object.fromEntries(fields), null, 2);
  }
  if (route === 'GET /status/:job_id') {
    // A long poll: the answer comes at the job's next change, or after {{wait}} seconds.
    const wait = request.url.query.find((q) => q.key === 'wait');
    Object.assign(wait, { value: '{{wait}}', disabled: false });
  }
  const file = request.body?.formdata?.find((f) => f.type === 'file');
  if (file && image) file.src = image;
  const script = (TESTS[route] ?? ANSWERS).map((line) => line.replace('{{status}}', JSON.stringify(names.status)));
  item.event = [{ listen: 'test', script: { type: 'text/javascript', exec: script } }];
}

export async function postmanCollection(serverUrl, { apiKey, image } = {}) {
  const res = await fetch(new URL('/openapi.json', serverUrl), { headers: apiKey ? { authorization: `Bearer ${apiKey}` } : {} });
  if (!res.ok) throw new Error(`GET /openapi.json: ${res.status} ${await res.text()}`);
  const collection = await convert(await res.json());
  const items = collection.item.flatMap((folder) => folder.item.map((item) => ({ folder, item })));
  const names = { status: items.find(({ item }) => routeOf(item) === 'GET /status/:job_id')?.item.name };
  for (const { item } of items) prepare(item, image, names);
  const rank = (item) => (ORDER.includes(routeOf(item)) ? ORDER.indexOf(routeOf(item)) : ORDER.length);
  for (const folder of collection.item) folder.item.sort((a, b) => rank(a) - rank(b));
  collection.variable = [
    ...(collection.variable ?? []),
    { key: 'bearerToken', value: '', description: 'One of the server\'s API_KEYS (leave empty when it has none).' },
    { key: 'job_id', value: '', description: 'Set by the submit call.' },
    { key: 'wait', value: '20', description: 'Seconds the status call waits for the next change (at most 60).' },
  ];
  return collection;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('Usage: node scripts/postman-collection.mjs [server URL] [output file] [--image FILE]\n');
    process.exit(0);
  }
  const imageAt = args.indexOf('--image');
  const image = imageAt >= 0 ? path.resolve(args.splice(imageAt, 2)[1]) : undefined;
  const [serverUrl = 'http://127.0.0.1:8000', out = 'depict.postman_collection.json'] = args;
  const collection = await postmanCollection(serverUrl, { apiKey: process.env.DEPICT_API_KEY, image });
  await writeFile(out, `${JSON.stringify(collection, null, 2)}\n`);
  process.stdout.write(`wrote ${out}: ${collection.item.reduce((n, f) => n + f.item.length, 0)} calls\n`);
}
