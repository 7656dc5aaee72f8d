import { DepictError } from '@depict/contract';
import { parseImageUrl } from './url-fetch.js';

/** At most this many image URLs of one request are fetched at once (each may hold MAX_UPLOAD_MB). */
export const URL_FETCHES_AT_ONCE = 4;

/** The `url` field: one URL, or several (a repeated form field, or a JSON array), each checked. */
export function urlsOf(value: unknown): URL[] {
  if (value === undefined || value === '') return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => parseImageUrl(item));
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DepictError };

/**
 * `work` over every item, at most `limit` at a time, each outcome in its item's place. A
 * DepictError is that item's outcome; anything else is a fault of the server and is thrown.
 */
export async function fetchAll<I, T>(items: readonly I[], work: (item: I) => Promise<T>, limit: number): Promise<Array<Outcome<T>>> {
  const outcomes: Array<Outcome<T>> = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      try {
        outcomes[index] = { ok: true, value: await work(items[index]!) };
      } catch (err) {
        if (!(err instanceof DepictError)) throw err;
        outcomes[index] = { ok: false, error: err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return outcomes;
}

/**
 * Image URLs being fetched by this server, across requests: each may hold up to
 * MAX_UPLOAD_MB in memory while it arrives, so together they stay within
 * UPLOAD_MEMORY_MB, as uploads do. Past that a fetch is refused with 503 busy.
 */
export class UrlFetchSlots {
  private inFlight = 0;
  readonly limit: number;

  constructor(memoryBytes: number, maxUploadBytes: number) {
    this.limit = Math.max(1, Math.floor(memoryBytes / maxUploadBytes));
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.limit) {
      throw new DepictError('busy', `The server is fetching ${this.limit} image URLs already; try again in a moment.`, { retryAfterS: 1 });
    }
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
    }
  }
}
