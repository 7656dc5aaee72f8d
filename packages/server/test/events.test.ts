import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { get, submit, waitForResult } from '../../../test-support/api.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { scene } from '../../../test-support/images.js';
import { waitFor } from '../../../test-support/ports.js';
import { Stack, startServer } from '../../../test-support/processes.js';

/** Live updates through Redis pub/sub: a job accepted by one server is watched through another. */
const live = suite('GET /events/:id and /status?wait= across two server processes');
const fake = new FakeOpenAI();
let stack: Stack;
let other: Awaited<ReturnType<typeof startServer>>;

live.before(async () => {
  await fake.start();
  stack = new Stack({ OPENAI_API_KEY: 'sk-live', OPENAI_BASE_URL: fake.baseUrl, OPENAI_VISION_MODEL: 'live-model' });
  await stack.start();
  other = await startServer(stack.sharedEnv);
});
live.after(async () => {
  await other?.proc.stop();
  await stack.stop();
  await fake.stop();
});

/** Read an event stream to its end; each `event: status` as its parsed data, also told to `onEvent` as it comes. */
async function readEvents(url: string, onEvent: (event: { status: string }) => void = () => undefined): Promise<Array<{ status: string }>> {
  const res = await fetch(url);
  assert.is(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const events: Array<{ status: string }> = [];
  let text = '';
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    text += chunk.value;
    let end: number;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      if (!block.startsWith('event: status')) continue;
      const event = JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as { status: string };
      events.push(event);
      onEvent(event);
    }
  }
  return events;
}

live('the stream sent by the other server shows queued, processing and done, then closes', async () => {
  let release!: () => void;
  fake.behaviour = { kind: 'hold', text: 'Seen live.', release: new Promise<void>((r) => (release = r)) };
  await stack.worker!.stop();
  const sent = await submit(stack.url, await scene(260, 180));
  const id = sent.body.job_id;
  let first: string | undefined;
  const events = readEvents(`${other.url}/events/${id}`, (e) => (first ??= e.status));
  // Should a wait below fail, the stream is cut when the servers stop: that is not this test's error.
  events.catch(() => undefined);
  // The stream has sent the state it found: only then may a worker change it.
  await waitFor('the first event', () => first);
  await stack.startWorker();
  await waitFor('processing', async () => ((await get(stack.url, `/status/${id}`)).body.status === 'processing' ? true : undefined));
  release();
  const seen = (await events).map((e) => e.status);
  assert.equal(seen, ['queued', 'processing', 'done']);
  const again = await readEvents(`${other.url}/events/${id}`);
  assert.equal(again.map((e) => e.status), ['done'], 'a finished job: its state, then the end');
});

live('/status?wait= answers at the change, not at the end of the wait', async () => {
  let release!: () => void;
  fake.behaviour = { kind: 'hold', text: 'Long polled.', release: new Promise<void>((r) => (release = r)) };
  const sent = await submit(stack.url, await scene(270, 180));
  const id = sent.body.job_id;
  await waitFor('processing', async () => ((await get(other.url, `/status/${id}`)).body.status === 'processing' ? true : undefined));
  const started = Date.now();
  const polled = get(other.url, `/status/${id}?wait=20`);
  setTimeout(release, 500);
  const reply = await polled;
  assert.is(reply.body.status, 'done');
  const took = Date.now() - started;
  assert.ok(took >= 400 && took < 5_000, `answered after ${took} ms`);
  assert.is((await waitForResult(stack.url, id)).body.description, 'Long polled.');
});

live('unknown job: 404 JSON, not a stream', async () => {
  const res = await get(other.url, '/events/00000000-0000-4000-8000-000000000000');
  assert.is(res.status, 404);
  assert.is(res.body.error.code, 'not_found');
});

live.run();
