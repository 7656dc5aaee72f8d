import { storeFaultOf } from './store-errors.js';

/**
 * Group commit: items handed in during the same turn of the event loop are written
 * together, by one call of `write`, so the database commits once for all of them.
 * Every caller still waits for its own item to be written and gets its own result, so
 * nothing is acknowledged early.
 *
 * When a batch fails, nothing of it was written (`write` must be all or nothing, a
 * transaction or a single statement); each of its items is then written alone, so one
 * bad item gets its own error and the others are written.
 */
export class GroupCommit<Item, Result> {
  private pending: Array<{ item: Item; resolve: (result: Result) => void; reject: (err: unknown) => void }> = [];

  /**
   * @param write writes the items, all or nothing; resolves with one result per item, in order.
   * @param maxBatch the most items one write carries.
   */
  constructor(
    private readonly write: (items: Item[]) => Promise<Result[]>,
    private readonly maxBatch: number,
  ) {}

  /**
   * Whether a failed batch's items are each written alone: not when the store itself
   * failed (it is away or full), which would only fail every item again, one timeout
   * after another.
   */
  private static worthRetryingAlone(err: unknown): boolean {
    return storeFaultOf(err) === undefined;
  }

  add(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      // setImmediate runs after the I/O callbacks of this turn, which may add more items.
      if (this.pending.push({ item, resolve, reject }) === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, this.maxBatch);
    if (this.pending.length > 0) setImmediate(() => void this.flush());
    let results: Result[];
    try {
      results = await this.write(batch.map((b) => b.item));
    } catch (err) {
      if (batch.length === 1 || !GroupCommit.worthRetryingAlone(err)) {
        for (const b of batch) b.reject(err);
        return;
      }
      for (const b of batch) await this.write([b.item]).then(([result]) => b.resolve(result!), b.reject);
      return;
    }
    batch.forEach((b, i) => b.resolve(results[i]!));
  }
}
