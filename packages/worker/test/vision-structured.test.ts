import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { VisionAnswerSchema } from '@depict/contract';
import { submit, waitForResult, type Reply } from '../../../test-support/api.js';
import { FakeOpenAI } from '../../../test-support/fake-openai.js';
import { scene } from '../../../test-support/images.js';
import { Stack } from '../../../test-support/processes.js';

/**
 * One call, a structured answer: the worker asks for JSON against a strict schema,
 * checks what comes back, steps down to JSON mode and then to plain text on servers that
 * refuse a format (and remembers it), asks once more after invalid JSON, and reports
 * the tokens and their cost. Two stacks: the format a worker learnt stays with its process.
 */
const vision = suite('vision: a structured answer in one call');
const fake = new FakeOpenAI();
const plain = new FakeOpenAI();
let stack: Stack;
let plainStack: Stack;

const env = (baseUrl: string) => ({
  OPENAI_API_KEY: 'sk-test-key',
  OPENAI_BASE_URL: baseUrl,
  OPENAI_VISION_MODEL: 'vision-test-model',
  OPENAI_MAX_RETRIES: '0',
  OPENAI_FALLBACK: 'fail',
  OPENAI_PRICE_INPUT_PER_MTOK: '0.15',
  OPENAI_PRICE_OUTPUT_PER_MTOK: '0.6',
});

vision.before(async () => {
  await Promise.all([fake.start(), plain.start()]);
  stack = new Stack(env(fake.baseUrl));
  plainStack = new Stack(env(plain.baseUrl));
  await Promise.all([stack.start(), plainStack.start()]);
});
vision.after(async () => {
  await Promise.all([stack.stop(), plainStack.stop()]);
  await Promise.all([fake.stop(), plain.stop()]);
});
vision.before.each(() => {
  fake.requests.length = 0;
  plain.requests.length = 0;
});

async function describe(on: Stack, fields: Record<string, string> = {}): Promise<Reply> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await scene(640, 480, 'jpeg'))]), 'scene.jpg');
  form.append('cache', 'false');
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  const sent = await fetch(`${on.url}/submit`, { method: 'POST', body: form });
  assert.is(sent.status, 202);
  const { job_id } = (await sent.json()) as { job_id: string };
  const result = await waitForResult(on.url, job_id);
  assert.is(result.body.status, 'done', JSON.stringify(result.body));
  return result;
}

const ANSWER = {
  caption: 'Two people walk a dog along a beach at sunset.',
  alt_text: 'Two people and a dog on a beach at sunset',
  description: 'Two people walk a brown dog along the wet sand while the sun sets over the sea.',
  tags: ['beach', 'sunset', 'dog', 'people'],
  objects: [
    { name: 'person', count: 2 },
    { name: 'dog', count: 1 },
  ],
  text: 'NO SWIMMING',
  people: 2,
  content_flags: ['none'],
};

vision('a strict JSON schema is asked for; the answer is checked and stored, the prose is the description', async () => {
  fake.behaviour = { kind: 'raw', content: JSON.stringify(ANSWER) };
  const result = await describe(stack);
  const request = fake.requests[0]!.body;
  assert.is(request.response_format.type, 'json_schema');
  assert.is(request.response_format.json_schema.strict, true);
  assert.equal(request.response_format.json_schema.schema.required.length, 8);
  assert.is(fake.requests.length, 1);

  const { details } = result.body;
  assert.is(result.body.description, ANSWER.description);
  assert.is(details.vision.mode, 'json_schema');
  assert.equal(details.vision.answer, ANSWER);
  assert.ok(VisionAnswerSchema.safeParse(details.vision.answer).success);
  assert.equal(details.vision.image, { width: 640, height: 480, pixels: 640 * 480, bytes: details.vision.image.bytes, detail: 'auto' });
  // 100 input and 20 output tokens at 0.15 and 0.60 dollars per million.
  assert.equal(details.usage, { input_tokens: 100, output_tokens: 20, total_tokens: 120, cost_usd: 0.000027 });
  // The measured facts ride along, as from the offline analyzer.
  assert.is(details.analysis.format, 'jpeg');
  assert.is(details.analysis.width, 640);
  assert.ok(details.analysis.palette.length > 0);
  assert.is(details.analysis.text.ocr, 'off', 'reading text is the model’s part');
});

vision('length=alt takes the alt text; detail=high is sent and shown', async () => {
  fake.behaviour = { kind: 'raw', content: JSON.stringify(ANSWER) };
  const result = await describe(stack, { length: 'alt', detail: 'high' });
  assert.is(result.body.description, ANSWER.alt_text);
  assert.is(result.body.details.vision.image.detail, 'high');
  assert.is(fake.requests[0]!.body.messages[0].content[1].image_url.detail, 'high');
});

vision('invalid JSON is asked for once more; twice invalid, the text itself is kept', async () => {
  fake.next.push({ kind: 'raw', content: 'A beach { not json' }, { kind: 'raw', content: JSON.stringify(ANSWER) });
  let result = await describe(stack);
  assert.is(fake.requests.length, 2);
  assert.is(result.body.details.vision.invalid_answers, 1);
  assert.equal(result.body.details.vision.answer, ANSWER);
  // Usage counts both calls: each one was paid.
  assert.is(result.body.details.usage.input_tokens, 200);

  fake.requests.length = 0;
  fake.next.push({ kind: 'raw', content: 'First prose.' }, { kind: 'raw', content: '{"caption": "only a caption"}' });
  result = await describe(stack);
  assert.is(fake.requests.length, 2);
  assert.is(result.body.description, '{"caption": "only a caption"}');
  assert.is(result.body.details.vision.answer, null);
  assert.is(result.body.details.vision.invalid_answers, 2);
});

vision('an alt text past 125 characters is shortened at a word, not thrown away', async () => {
  const long = `${'A very long alt text about a beach '.repeat(6)}end`;
  fake.behaviour = { kind: 'raw', content: JSON.stringify({ ...ANSWER, alt_text: long }) };
  const result = await describe(stack, { length: 'alt' });
  assert.ok(result.body.description.length <= 125, result.body.description);
  assert.ok(result.body.description.endsWith('…'));
  assert.is(result.body.details.vision.answer.caption, ANSWER.caption);
});

vision('a server without json_schema: JSON mode with the schema in the prompt, then plain text; learnt once', async () => {
  plain.refuses.add('json_schema');
  plain.behaviour = { kind: 'answer', text: 'A meadow.' };
  let result = await describe(plainStack);
  assert.equal(
    plain.requests.map((r) => r.body.response_format?.type),
    ['json_schema', 'json_object'],
  );
  assert.match(plain.requests[1]!.body.messages[0].content[0].text, /"content_flags"/);
  assert.is(result.body.details.vision.mode, 'json_object');
  assert.is(result.body.description, 'A meadow.');

  // Neither format: plain text, and the next job asks that way at once.
  plain.refuses.add('json_object');
  plain.requests.length = 0;
  result = await describe(plainStack);
  assert.equal(
    plain.requests.map((r) => r.body.response_format?.type),
    ['json_object', undefined],
  );
  assert.is(result.body.details.vision.mode, 'text');
  assert.is(result.body.details.vision.answer, null);
  assert.is(result.body.description, 'A meadow.');

  plain.requests.length = 0;
  result = await describe(plainStack);
  assert.is(plain.requests.length, 1);
  assert.is(plain.requests[0]!.body.response_format, undefined);
  assert.is(result.body.details.vision.mode, 'text');
});

vision.run();
