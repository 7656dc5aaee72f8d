import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { once } from 'node:events';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, waitForResult } from '../../../test-support/api.js';
import { png } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack, startServer } from '../../../test-support/processes.js';

/** Webhooks, signed per Standard Webhooks, retried, and refused for private targets. */
const SECRET_BYTES = Buffer.from('depict-webhook-test-secret-0001');
const SECRET = `whsec_${SECRET_BYTES.toString('base64')}`;

const hooks = suite('webhooks');
const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
let answers: number[] = [];
let receiver: Server;
let receiverUrl = '';
let stack: Stack;

hooks.before(async () => {
  receiver = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ headers: req.headers, body });
    res.writeHead(answers.shift() ?? 200).end();
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const address = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks/depict`;
  stack = new Stack({ WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE: 'true', ANALYZER_OCR: 'off' });
  await stack.start();
});
hooks.after(async () => {
  await stack.stop();
  receiver.close();
});

async function send(target: string, fields: Record<string, string>) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await png({ width: 44, height: 33 }))]), 'w.png');
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const res = await fetch(`${target}/submit`, { method: 'POST', body: form });
  return { status: res.status, body: await res.json() };
}

hooks('the result is POSTed, signed; a failed delivery is retried, and the attempts show in the job', async () => {
  received.length = 0;
  answers = [500, 200];
  const sent = await send(stack.url, { callback_url: receiverUrl });
  assert.is(sent.status, 202, JSON.stringify(sent.body));
  const done = await waitForResult(stack.url, sent.body.job_id);
  assert.is(done.body.status, 'done');
  await waitFor('two deliveries', () => (received.length >= 2 ? true : undefined), { timeoutMs: 15_000 });

  const last = received[1]!;
  const id = String(last.headers['webhook-id']);
  const timestamp = String(last.headers['webhook-timestamp']);
  const expected = createHmac('sha256', SECRET_BYTES).update(`${id}.${timestamp}.${last.body}`).digest('base64');
  assert.is(last.headers['webhook-signature'], `v1,${expected}`);
  assert.ok(Math.abs(Number(timestamp) - Date.now() / 1000) < 60);
  const payload = JSON.parse(last.body);
  assert.is(payload.type, 'job.done');
  assert.is(payload.data.job_id, sent.body.job_id);
  assert.is(payload.data.description, done.body.description);
  assert.is(received[0]!.headers['webhook-id'], id, 'a retry is the same message');

  await waitFor('delivery recorded', async () => {
    const status = await get(stack.url, `/status/${sent.body.job_id}`);
    return status.body.webhook?.delivered_at ? status.body.webhook : undefined;
  });
  const status = await get(stack.url, `/status/${sent.body.job_id}`);
  assert.is(status.body.webhook.attempts, 2);
  assert.is(status.body.webhook.last_status, 200);
  assert.is(status.body.webhook.url, receiverUrl);
});

hooks('a worker that stops between attempts leaves the retry to another worker: the same message, delivered once', async () => {
  // Worker A retries 3 s after a failure: time enough to stop it between the attempts.
  await stack.worker!.stop();
  const first = await stack.startWorker({ WEBHOOK_RETRY_DELAYS_S: '3' });
  received.length = 0;
  answers = [503, 200];
  const sent = await send(stack.url, { callback_url: receiverUrl });
  assert.is(sent.status, 202, JSON.stringify(sent.body));
  const failedOnce = await waitFor('the first attempt recorded', async () => {
    const status = await get(stack.url, `/status/${sent.body.job_id}`);
    return status.body.webhook?.attempts === 1 ? status.body.webhook : undefined;
  });
  assert.is(failedOnce.last_status, 503);
  await first.stop();
  assert.is(received.length, 1, 'worker A made one attempt before it stopped');

  await stack.startWorker();
  await waitFor('the retry', () => (received.length >= 2 ? true : undefined), { timeoutMs: 15_000 });
  assert.is(received[1]!.headers['webhook-id'], received[0]!.headers['webhook-id'], 'one message, attempted twice');
  assert.is(received[1]!.body, received[0]!.body);
  const delivered = await waitFor('the delivery recorded', async () => {
    const status = await get(stack.url, `/status/${sent.body.job_id}`);
    return status.body.webhook?.delivered_at ? status.body.webhook : undefined;
  });
  assert.is(delivered.attempts, 2);
  assert.is(delivered.last_status, 200);
  // Nothing is due any more: no third delivery. Each later job's delivery is made by a
  // pass of the worker's sender that begins after the pass before it has ended (passes never
  // overlap), so once the second later one arrives, a whole pass has looked for due
  // deliveries since this one was recorded, and sent whatever it found.
  for (let i = 0; i < 2; i++) {
    const later = await send(stack.url, { callback_url: receiverUrl });
    await waitFor('a later job\'s delivery', () => (received.some((r) => JSON.parse(r.body).data.job_id === later.body.job_id) ? true : undefined));
  }
  assert.is(received.filter((r) => JSON.parse(r.body).data.job_id === sent.body.job_id).length, 2);
});

hooks('private and loopback targets are refused unless WEBHOOK_ALLOW_PRIVATE; no secret, no webhooks', async () => {
  const strict = await startServer({ ...stack.sharedEnv, WEBHOOK_ALLOW_PRIVATE: 'false' });
  const noSecret = await startServer({ ...stack.sharedEnv, WEBHOOK_SECRET: '' });
  try {
    for (const url of [receiverUrl, 'http://10.1.2.3/x', 'http://[::1]:8000/x', 'http://169.254.169.254/latest']) {
      const r = await send(strict.url, { callback_url: url });
      assert.is(r.status, 400, url);
      assert.match(r.body.error.message, /private or loopback/);
    }
    assert.is((await send(strict.url, { callback_url: 'ftp://example.com/x' })).status, 400);
    const r = await send(noSecret.url, { callback_url: receiverUrl });
    assert.is(r.status, 400);
    assert.match(r.body.error.message, /WEBHOOK_SECRET/);
  } finally {
    await strict.proc.stop();
    await noSecret.proc.stop();
  }
});

hooks.run();
