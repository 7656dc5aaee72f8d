import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get } from '../../../test-support/api.js';
import { png } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack, startServer } from '../../../test-support/processes.js';

/**
 * Webhook targets in every special-use spelling, refused at submit and again at delivery.
 *
 * Only IP literals and `localhost` are submitted: a name would be looked up, and that
 * query would leave the machine. The stack starts with no worker, so even a target
 * wrongly accepted at submit is never called; the one delivery this file lets happen
 * goes to an IPv4-mapped form of 127.0.0.1, where a receiver counts connections.
 */
const SECRET = `whsec_${Buffer.from('depict-webhook-targets-secret').toString('base64')}`;

const targets = suite('webhook targets');
let receiver: Server;
let port = 0;
/** Connections the receiver accepted: any at all means a refused target was called. */
let connections = 0;
let stack: Stack;

targets.before(async () => {
  receiver = createServer((_req, res) => res.writeHead(200).end());
  receiver.on('connection', () => connections++);
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const address = receiver.address();
  port = typeof address === 'object' && address ? address.port : 0;
  stack = new Stack({ WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE: 'false', ANALYZER_OCR: 'off' });
  await stack.start({ worker: false });
});
targets.after(async () => {
  await stack.stop();
  receiver.close();
});

async function submitWith(target: string, callbackUrl: string) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await png({ width: 24, height: 18 }))]), 'w.png');
  form.append('callback_url', callbackUrl);
  const res = await fetch(`${target}/submit`, { method: 'POST', body: form });
  return { status: res.status, body: await res.json() };
}

targets('each special-use spelling is refused at submit with a 400 that names its range, and no job is made', async () => {
  const cases: Array<[url: string, range: RegExp]> = [
    // The forms: loopback through IPv6, and ranges the old list missed.
    [`http://[::ffff:127.0.0.1]:${port}/hook`, /IPv4-mapped \(::ffff:0:0\/96\) for 127\.0\.0\.1, loopback/],
    [`http://[::ffff:7f00:1]:${port}/hook`, /IPv4-mapped .* for 127\.0\.0\.1, loopback/],
    [`http://[0:0:0:0:0:FFFF:7F00:1]:${port}/hook`, /IPv4-mapped .* for 127\.0\.0\.1/],
    [`http://[::127.0.0.1]:${port}/hook`, /IPv4-compatible \(::\/96\) for 127\.0\.0\.1, loopback/],
    [`http://[::ffff:0:7f00:1]:${port}/hook`, /IPv4-translated .* for 127\.0\.0\.1/],
    ['http://[fec0::1]/hook', /site-local \(fec0::\/10\)/],
    ['http://[FEC0:0:0:0:0:0:0:1]/hook', /site-local/],
    [`http://[64:ff9b::7f00:1]:${port}/hook`, /NAT64 well-known prefix \(64:ff9b::\/96\) for 127\.0\.0\.1/],
    [`http://[64:ff9b:1::7f00:1]:${port}/hook`, /NAT64 local-use prefix .* for 127\.0\.0\.1/],
    ['http://198.18.0.1/hook', /benchmarking \(198\.18\.0\.0\/15\)/],
    [`http://[2002:7f00:1::]:${port}/hook`, /6to4 \(2002::\/16\) for 127\.0\.0\.1/],
    [`http://[2001:0:4136:e378:8000:63bf:80ff:fffe]:${port}/hook`, /Teredo \(2001::\/32\) for 127\.0\.0\.1/],
    // Other registry blocks, one each.
    ['http://192.0.2.10/hook', /documentation/],
    ['http://100.64.0.1/hook', /shared address space/],
    ['http://192.88.99.1/hook', /6to4 relay/],
    ['http://240.0.0.1/hook', /reserved/],
    ['http://224.0.0.251/hook', /multicast/],
    ['http://255.255.255.255/hook', /broadcast/],
    ['http://[2001:db8::1]/hook', /documentation \(2001:db8::\/32\)/],
    ['http://[fd12:3456::1]/hook', /unique-local/],
    ['http://[ff02::1]/hook', /multicast/],
    ['http://[100::1]/hook', /discard-only/],
    // Spellings the URL parser turns into a dotted quad are refused as that quad.
    [`http://0x7f.1:${port}/hook`, /refused: 127\.0\.0\.1 is loopback/],
    [`http://2130706433:${port}/hook`, /refused: 127\.0\.0\.1 is loopback/],
    [`http://localhost:${port}/hook`, /refused: localhost is a loopback name/],
  ];
  for (const [url, range] of cases) {
    const r = await submitWith(stack.url, url);
    assert.is(r.status, 400, `${url}: ${JSON.stringify(r.body)}`);
    assert.is(r.body.error.code, 'bad_request', url);
    assert.match(r.body.error.message, /^callback_url is refused: .* is .*, not a public address/, url);
    assert.match(r.body.error.message, range, url);
  }
  const jobs = await get(stack.url, '/jobs?limit=200');
  assert.is(jobs.status, 200);
  assert.equal(jobs.body.items, [], 'no job was made');
  assert.is(connections, 0);
});

targets('a target accepted at submit is checked again at delivery, on the address connected to: refused, recorded, never sent', async () => {
  // A server that lets private targets through, and a worker that does not: the refusal
  // can only come from the worker's own check.
  const lenient = await startServer({ ...stack.sharedEnv, WEBHOOK_ALLOW_PRIVATE: 'true' });
  await stack.startWorker({ WEBHOOK_ALLOW_PRIVATE: 'false', WEBHOOK_RETRY_DELAYS_S: '60' });
  try {
    const url = `http://[::ffff:127.0.0.1]:${port}/hook`;
    const sent = await submitWith(lenient.url, url);
    assert.is(sent.status, 202, JSON.stringify(sent.body));
    const webhook = await waitFor(
      'the first attempt recorded',
      async () => {
        const status = await get(stack.url, `/status/${sent.body.job_id}`);
        return status.body.webhook?.attempts >= 1 ? status.body.webhook : undefined;
      },
      { timeoutMs: 20_000 },
    );
    assert.is(webhook.delivered_at, null);
    assert.is(webhook.last_status, null);
    assert.is(webhook.last_error, 'refused: ::ffff:7f00:1 is IPv4-mapped (::ffff:0:0/96) for 127.0.0.1, loopback (127.0.0.0/8)');
    assert.is(connections, 0, 'nothing reached the receiver');
  } finally {
    await lenient.proc.stop();
  }
});

targets.run();
