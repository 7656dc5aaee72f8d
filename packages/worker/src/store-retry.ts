import { storeFaultOf, type Logger } from '@depict/core';

/** Waits between tries while the store is away: from a quarter second, doubling, to five seconds. */
const FIRST_WAIT_MS = 250;
const LONGEST_WAIT_MS = 5_000;

/** The store retry gave up: the worker is stopping. */
export class StoreRetryStopped extends Error {
  constructor() {
    super('stopped while waiting for the job store');
  }
}

/**
 * A worker's writes that must not be lost to a store outage: taking a job, and storing
 * how it ended. While the job store is away or its disk is full, such a write is tried
 * again with backoff until it goes through, so the job waits in the worker (its result
 * kept) instead of failing or spending an attempt, and the worker, its slots held, takes
 * no more jobs meanwhile. Each failed try is logged and counted.
 */
export class StoreRetry {
  private readonly stopping = new AbortController();

  constructor(
    private readonly logger: Logger,
    private readonly onFailure?: (operation: string, fault: 'unavailable' | 'full') => void,
  ) {}

  /** Run `write`; on a store fault wait and run it again, until it succeeds or the worker stops. Other errors are thrown. */
  async write<T>(operation: string, fields: Record<string, unknown>, write: () => Promise<T>): Promise<T> {
    let wait = FIRST_WAIT_MS;
    for (let tries = 1; ; tries++) {
      try {
        const result = await write();
        if (tries > 1) this.logger.info({ ...fields, operation, tries }, 'job store back: write went through');
        return result;
      } catch (err) {
        const fault = storeFaultOf(err);
        if (!fault) throw err;
        this.onFailure?.(operation, fault);
        this.logger.warn({ ...fields, operation, tries, fault, err, retry_in_ms: wait }, 'job store write failed; trying again');
        await this.sleep(wait);
        wait = Math.min(wait * 2, LONGEST_WAIT_MS);
      }
    }
  }

  /** Stop every wait (shutdown): the writes still waiting throw StoreRetryStopped. */
  stop(): void {
    this.stopping.abort();
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.stopping.signal;
    if (signal.aborted) return Promise.reject(new StoreRetryStopped());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(new StoreRetryStopped());
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
