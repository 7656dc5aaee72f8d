import { DepictError } from '@depict/contract';

/** Where a page of GET /jobs ended: its last row's (created_at, job_id), the store's keyset. */
export interface PagePosition {
  readonly createdAt: string;
  readonly jobId: string;
}

/** An opaque page cursor: the position, base64url. */
export function encodeCursor({ createdAt, jobId }: PagePosition): string {
  return Buffer.from(JSON.stringify([createdAt, jobId])).toString('base64url');
}

/** A cursor this server gave out, or a 400. */
export function decodeCursor(cursor: string): PagePosition {
  try {
    const [createdAt, jobId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof jobId === 'string') return { createdAt, jobId };
  } catch {
    // fall through
  }
  throw new DepictError('bad_request', 'The cursor is not one this server gave out.');
}
