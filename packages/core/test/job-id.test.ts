import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { newJobId } from '@depict/core';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const timeOf = (id: string) => parseInt(id.replace('-', '').slice(0, 12), 16);

test('a job id is a version 7 UUID that starts with the time it was made', () => {
  const at = Date.UTC(2026, 10, 29, 9, 30);
  const id = newJobId(at);
  assert.match(id, V7);
  assert.is(timeOf(id), at);
  assert.ok(z.uuid().safeParse(id).success, 'the API schemas accept it');
  assert.ok(newJobId(0).startsWith('00000000-0000-7'));
});

test('ids of later times sort later; ids of the same millisecond differ in 74 random bits', () => {
  const at = Date.now();
  const ids = Array.from({ length: 2000 }, (_, i) => newJobId(at + Math.floor(i / 100)));
  assert.equal([...ids].sort((a, b) => (timeOf(a) - timeOf(b))), ids);
  for (let i = 100; i < ids.length; i += 100) assert.ok(ids[i - 1]!.slice(0, 13) < ids[i]!.slice(0, 13));
  assert.is(new Set(ids).size, ids.length);
  // Every random hex digit takes many values across the ids (not a counter, not fixed).
  const randomDigits = [15, 16, 17, 20, 21, 22, ...Array.from({ length: 12 }, (_, i) => 24 + i)];
  for (const at of randomDigits) assert.ok(new Set(ids.map((id) => id[at])).size >= 12, `digit ${at} is random`);
});

test.run();
