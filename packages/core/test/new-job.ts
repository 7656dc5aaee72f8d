import { randomUUID } from 'node:crypto';
import type { NewJob } from '@depict/core';

/** A job as the server would insert it: a 4 x 3 PNG with default options and no owner. */
export function newJob(): NewJob {
  return { jobId: randomUUID(), filename: 'a.png', mediaType: 'image/png', byteSize: 123, sha256: 'ab'.repeat(32), width: 4, height: 3, owner: null, options: { length: 'normal', detail: 'auto' } };
}
