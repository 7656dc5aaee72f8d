import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DepictError } from '@depict/contract';
import { ProofGate } from '../src/proof-gate.js';

/** The turns libvips proofs take: bounded in number, memory, queue and time. */
const test = suite('proof gate');

/** A proof the test ends by hand. */
function pending() {
  let end!: () => void;
  let fail!: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    end = resolve;
    fail = reject;
  });
  return { proof: () => done, end, fail };
}

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'ok', (err: DepictError) => err.code);
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

test('at most `concurrency` run; the rest wait in order, and past the queue answer busy with Retry-After', async () => {
  const gate = new ProofGate({ concurrency: 2, budgetBytes: 1000, queueMax: 1, timeoutMs: 5_000 });
  const [a, b, c] = [pending(), pending(), pending()];
  const runs = [gate.run(10, a.proof), gate.run(10, b.proof), gate.run(10, c.proof)];
  await tick();
  assert.equal(gate.load, { running: 2, heldBytes: 20, waiting: 1 });
  const refused = await gate.run(10, async () => undefined).catch((err: DepictError) => err);
  assert.instance(refused, DepictError);
  assert.is((refused as DepictError).code, 'busy');
  assert.is((refused as DepictError).status, 503);
  assert.is((refused as DepictError).retryAfterS, 5);
  a.end();
  await runs[0];
  await tick();
  assert.equal(gate.load, { running: 2, heldBytes: 20, waiting: 0 }, 'the waiting one took the free turn');
  b.end();
  c.end();
  await Promise.all(runs);
  assert.equal(gate.load, { running: 0, heldBytes: 0, waiting: 0 });
});

test('running proofs hold at most the memory budget between them; a large one runs alone, in its turn', async () => {
  const gate = new ProofGate({ concurrency: 3, budgetBytes: 100, queueMax: 10, timeoutMs: 5_000 });
  const [small, large, after] = [pending(), pending(), pending()];
  const runs = [gate.run(30, small.proof), gate.run(90, large.proof), gate.run(1, after.proof)];
  await tick();
  assert.equal(gate.load, { running: 1, heldBytes: 30, waiting: 2 }, 'the large one waits, and the small one behind it does not overtake');
  small.end();
  await tick();
  assert.equal(gate.load, { running: 2, heldBytes: 91, waiting: 0 });
  // More than the whole budget still runs, alone.
  large.end();
  after.end();
  await Promise.all(runs);
  const huge = pending();
  const hugeRun = gate.run(10_000, huge.proof);
  await tick();
  assert.equal(gate.load, { running: 1, heldBytes: 100, waiting: 0 });
  huge.end();
  await hugeRun;
});

test('a proof that waits too long is busy; one that runs too long is too_slow_to_decode, and keeps its turn until it ends', async () => {
  const gate = new ProofGate({ concurrency: 1, budgetBytes: 100, queueMax: 10, timeoutMs: 100 });
  const slow = pending();
  const slowCode = codeOf(gate.run(10, slow.proof));
  const waitingCode = codeOf(gate.run(10, async () => undefined));
  assert.is(await waitingCode, 'busy');
  assert.is(await slowCode, 'too_slow_to_decode');
  assert.equal(gate.load, { running: 1, heldBytes: 10, waiting: 0 }, 'the decode still runs on its thread');
  slow.fail(new Error('decoded at last, and failed'));
  await tick();
  assert.equal(gate.load, { running: 0, heldBytes: 0, waiting: 0 });
  assert.is(await codeOf(gate.run(10, async () => undefined)), 'ok');
  // A proof's own failure is its caller's.
  assert.is(await codeOf(gate.run(10, () => Promise.reject(new DepictError('corrupt_image', 'bad')))), 'corrupt_image');
});

test.run();
