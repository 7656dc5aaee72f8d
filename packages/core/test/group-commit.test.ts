import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GroupCommit } from '../src/group-commit.js';

const test = suite('group commit');

/** A writer that records each batch it is given and fails any batch holding 'bad'. */
function recorder() {
  const batches: string[][] = [];
  const write = async (items: string[]) => {
    batches.push(items);
    await new Promise((r) => setTimeout(r, 1));
    if (items.includes('bad')) throw new Error('bad item');
    return items.map((item) => item.toUpperCase());
  };
  return { batches, write };
}

test('items added in one turn are written by one call, each caller gets its own result', async () => {
  const { batches, write } = recorder();
  const commit = new GroupCommit(write, 64);
  const results = await Promise.all(['a', 'b', 'c'].map((item) => commit.add(item)));
  assert.equal(results, ['A', 'B', 'C']);
  assert.equal(batches, [['a', 'b', 'c']]);
});

test('a batch never carries more than its limit; the rest follow in later writes', async () => {
  const { batches, write } = recorder();
  const commit = new GroupCommit(write, 4);
  const items = Array.from({ length: 10 }, (_, i) => `i${i}`);
  assert.equal(await Promise.all(items.map((item) => commit.add(item))), items.map((i) => i.toUpperCase()));
  assert.equal(batches.map((b) => b.length), [4, 4, 2]);
});

test('a failed batch is written again item by item: only the bad item fails', async () => {
  const { batches, write } = recorder();
  const commit = new GroupCommit(write, 64);
  const answers = await Promise.allSettled(['a', 'bad', 'c'].map((item) => commit.add(item)));
  assert.equal(answers.map((a) => a.status), ['fulfilled', 'rejected', 'fulfilled']);
  assert.equal((answers[0] as PromiseFulfilledResult<string>).value, 'A');
  assert.match(String((answers[1] as PromiseRejectedResult).reason), /bad item/);
  assert.equal(batches, [['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
});

test('items added while a write is under way go in the next write', async () => {
  const { batches, write } = recorder();
  const commit = new GroupCommit(write, 64);
  const first = commit.add('a');
  await new Promise((r) => setImmediate(r)); // the first write has started
  const second = commit.add('b');
  assert.equal(await Promise.all([first, second]), ['A', 'B']);
  assert.equal(batches, [['a'], ['b']]);
});

test.run();
