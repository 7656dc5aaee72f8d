import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AnalysisSchema, DoneResult, ResultResponse } from '@depict/contract';

/**
 * A done result's details.analysis is typed by AnalysisSchema for clients, but the
 * server's output check must serve what an older version stored, as stored.
 */

const done = (details: Record<string, unknown>) => ({
  job_id: '0b6c6f1e-8d1c-4a49-9a51-3c2f0f6f2b7e',
  status: 'done',
  description: 'A photo.',
  _generated_by: 'depict-analyzer@0.0.9',
  details,
  created_at: '2026-01-01T00:00:00.000Z',
  completed_at: '2026-01-01T00:00:01.000Z',
});

test('a result stored by an older analyzer (fewer fields, one more) passes as it was written', () => {
  const older = { format: 'png', width: 10, height: 10, palette: [{ name: 'red', hex: '#ff0000', share: 1 }], retired_field: 3 };
  assert.not.ok(AnalysisSchema.safeParse(older).success, 'not what this version writes');
  const parsed = ResultResponse.parse(done({ analysis: older, usage: { tokens: 3 } }));
  assert.equal((parsed as { details: unknown }).details, { analysis: older, usage: { tokens: 3 } });
});

test('details of another shape are still refused where they cannot be an analysis', () => {
  assert.not.ok(DoneResult.safeParse(done({ analysis: 'red' })).success);
  assert.not.ok(DoneResult.safeParse(done({ attempts: 'none' })).success);
});

test('the analysis type reaches a client: palette names read without casts', () => {
  const parsed = DoneResult.parse(done({ analysis: { palette: [{ name: 'teal', hex: '#008080', share: 1 }] } }));
  const name: string | undefined = parsed.details.analysis?.palette[0]?.name;
  assert.is(name, 'teal');
});

test.run();
