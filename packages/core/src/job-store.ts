import { sql, type Insertable } from 'kysely';
import type { JobOptions, Attempt, WebhookState } from '@depict/contract';
import type { BlobStore } from './blob-store.js';
import { CompiledQueries, insertParameters } from './compiled-queries.js';
import { openDatabase, type DatabaseHandle, type DatabaseOptions, type Dialect, type JobsTable } from './database.js';
import type { JobError } from '@depict/contract';
import { GroupCommit } from './group-commit.js';
import { InlineBlobStore } from './inline-blob-store.js';
import type { JobStatus } from '@depict/contract';
import { migrateToLatest } from './migrate.js';
import * as cache from './job-store/content-cache.js';
import type { Change, StoreContext } from './job-store/context.js';
import * as ending from './job-store/ending.js';
import * as idempotency from './job-store/idempotency.js';
import type { Completion, Job, NewJob } from './job-store/model.js';
import * as ledger from './job-store/usage-ledger.js';
import * as queries from './job-store/queries.js';
import * as retention from './job-store/retention.js';
import * as taking from './job-store/taking.js';
import * as outbox from './job-store/webhook-outbox.js';

export type { Completion, Job, NewJob } from './job-store/model.js';
export type { UsageDay } from './job-store/usage-ledger.js';

/** The most rows one INSERT carries: far below SQLite's and PostgreSQL's bound-parameter limits. */
const MAX_ROWS_PER_INSERT = 64;

/** The most job changes (claims, completions, ...) one SQLite transaction carries. */
const MAX_CHANGES_PER_COMMIT = 64;

export interface JobStoreOptions {
  /** The store's clock; tests move it instead of waiting. */
  readonly clock?: () => Date;
}

/**
 * The source of truth for jobs, by concern in job-store/: the rows and their model
 * (model.ts), taking and holding a job (taking.ts), how jobs start and end (ending.ts),
 * reading them (queries.ts), removing old ones (retention.ts), the webhook outbox,
 * idempotency keys and the content cache. This class holds what they share (the
 * database, the clock, the batched writes) and is the one way in.
 */
export class JobStore {
  private readonly s: StoreContext;

  constructor(handle: DatabaseHandle, options: JobStoreOptions = {}) {
    const { db, dialect } = handle;
    const compiled = new CompiledQueries(db);
    /**
     * Jobs accepted in the same turn go to the database as one INSERT: SQLite then commits
     * once for all of them (each commit writes every page it touched to the WAL), and
     * PostgreSQL answers in one round trip.
     */
    const inserts = new GroupCommit<Insertable<JobsTable>, void>(async (rows) => {
      // Every row comes from newRow: the same columns in the same order.
      await compiled.execute(`insert ${rows.length}`, insertParameters(rows), () => db.insertInto('jobs').values(rows));
      return rows.map(() => undefined);
    }, MAX_ROWS_PER_INSERT);
    /**
     * On SQLite, a worker's claims and completions of the same turn share one transaction,
     * for the same reason. SQLite has one writer, so nothing runs beside them anyway;
     * PostgreSQL runs each in its own transaction, in parallel over the pool.
     */
    const changes =
      dialect === 'sqlite'
        ? new GroupCommit<Change<unknown>, unknown>(
            (batch) =>
              db.transaction().execute(async (trx) => {
                const results: unknown[] = [];
                for (const change of batch) results.push(await change(trx));
                return results;
              }),
            MAX_CHANGES_PER_COMMIT,
          )
        : undefined;
    this.s = {
      db,
      dialect,
      clock: options.clock ?? (() => new Date()),
      compiled,
      inserts,
      change: <T>(change: Change<T>) => (changes ? (changes.add(change) as Promise<T>) : db.transaction().execute(change)),
    };
  }

  /**
   * Migrate, then open the store for work. The migrations run on a connection of their
   * own without the store timeout, which bounds the work's queries but not building an
   * index on a large table.
   */
  static async open(options: DatabaseOptions & JobStoreOptions): Promise<JobStore> {
    const migrating = await openDatabase({ ...options, timeoutMs: undefined });
    try {
      await migrateToLatest(migrating.db, migrating.dialect);
    } finally {
      await migrating.db.destroy();
    }
    return new JobStore(await openDatabase(options), options);
  }

  get dialect(): Dialect {
    return this.s.dialect;
  }

  /** Uploads up to `maxBytes` kept in this store's database until their job ends; larger ones in `large`. */
  inlineUploads(large: BlobStore, maxBytes: number): InlineBlobStore {
    return new InlineBlobStore(this.s.db, large, maxBytes);
  }

  // How jobs start and end (ending.ts).
  insert = (job: NewJob): Promise<void> => ending.insert(this.s, job);
  insertDone = (job: NewJob, result: Completion): Promise<Job> => ending.insertDone(this.s, job, result);
  complete = (jobId: string, attempt: number, result: Completion): Promise<boolean> => ending.complete(this.s, jobId, attempt, result);
  fail = (jobId: string, error: JobError, attempt?: number): Promise<boolean> => ending.fail(this.s, jobId, error, attempt);
  cancel = (jobId: string): Promise<boolean> => ending.cancel(this.s, jobId);
  retry = (jobId: string): Promise<boolean> => ending.retry(this.s, jobId);

  // A worker's hold on a job (taking.ts).
  claim = (jobId: string, options: { leaseMs: number; maxAttempts: number; describer: string }): Promise<Job | undefined> =>
    taking.claim(this.s, jobId, options);
  failExhausted = (jobId: string, maxAttempts: number): Promise<boolean> => taking.failExhausted(this.s, jobId, maxAttempts);
  renewLease = (jobId: string, attempt: number, leaseMs: number): Promise<boolean> => taking.renewLease(this.s, jobId, attempt, leaseMs);
  recordModelCall = (jobId: string, attempt: number, leaseMs: number): Promise<boolean> =>
    taking.recordModelCall(this.s, jobId, attempt, leaseMs);
  release = (jobId: string, attempt: number): Promise<boolean> => taking.release(this.s, jobId, attempt);

  // Reading (queries.ts).
  get = (jobId: string): Promise<Job | undefined> => queries.get(this.s, jobId);
  attemptsOf = (jobId: string): Promise<Attempt[]> => queries.attemptsOf(this.s, jobId);
  list = (options: Parameters<typeof queries.list>[1]): Promise<Job[]> => queries.list(this.s, options);
  listFailed = (filter: Parameters<typeof queries.listFailed>[1]): Promise<Job[]> => queries.listFailed(this.s, filter);
  listStale = (options: { queuedBefore: string; limit: number }): Promise<string[]> => queries.listStale(this.s, options);
  countByStatus = (owner: string | null): Promise<Partial<Record<JobStatus, number>>> => queries.countByStatus(this.s, owner);
  stats = (owner: string | null, sample: number) => queries.stats(this.s, owner, sample);
  /** Vision model spending per UTC day from `fromDay` on, newest first. */
  usageDays = (owner: string | null, fromDay: string) => ledger.usageDays(this.s, owner, fromDay);
  /** Tokens an owner spent on a UTC day. */
  tokensOn = (owner: string | null, day: string) => ledger.tokensOn(this.s, owner, day);

  // Removing finished jobs (retention.ts).
  deleteFinished = (jobId: string): Promise<boolean> => retention.deleteFinished(this.s, jobId);
  deleteFinishedBefore = (before: string, limit: number): Promise<string[]> => retention.deleteFinishedBefore(this.s, before, limit);

  // The webhook outbox (webhook-outbox.ts).
  dueWebhooks = (limit: number): Promise<Array<{ jobId: string; dueAt: string }>> => outbox.dueWebhooks(this.s, limit);
  claimWebhook = (jobId: string, dueAt: string, until: string): Promise<boolean> => outbox.claimWebhook(this.s, jobId, dueAt, until);
  saveWebhook = (jobId: string, state: WebhookState | null, next: { heldUntil: string; dueAt: string | null }): Promise<boolean> =>
    outbox.saveWebhook(this.s, jobId, state, next);

  // Idempotency keys (idempotency.ts).
  claimIdempotencyKey = (claim: { scopedKey: string; requestHash: string; jobId: string; since: string }) =>
    idempotency.claimIdempotencyKey(this.s, claim);
  releaseIdempotencyKey = (scopedKey: string): Promise<void> => idempotency.releaseIdempotencyKey(this.s, scopedKey);
  purgeIdempotencyKeys = (before: string): Promise<void> => idempotency.purgeIdempotencyKeys(this.s, before);

  // The content cache (content-cache.ts).
  findCached = (sha256: string, options: JobOptions, owner: string | null): Promise<Job | undefined> =>
    cache.findCached(this.s, sha256, options, owner);

  /** Throws when the database does not answer. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.s.db);
  }

  async close(): Promise<void> {
    await this.s.db.destroy();
  }
}
