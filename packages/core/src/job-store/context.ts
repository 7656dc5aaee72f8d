import { sql, type ExpressionBuilder, type Insertable, type Kysely } from 'kysely';
import type { CompiledQueries } from '../compiled-queries.js';
import type { Database, Dialect, JobAttemptsTable, JobsTable } from '../database.js';
import type { GroupCommit } from '../group-commit.js';

export type Db = Kysely<Database>;

/**
 * A change of one job, written in a transaction. It must use only `trx`: it may be run
 * twice (once in a batch that fails, then alone), and a call to another store method
 * would wait for the very transaction it runs in.
 */
export type Change<T> = (trx: Db) => Promise<T>;

/** What every part of the job store works with; made once by JobStore. */
export interface StoreContext {
  readonly db: Db;
  readonly dialect: Dialect;
  /** The time, as the store sees it: injected so tests need not wait for leases to run out. */
  readonly clock: () => Date;
  /** The queries every submit or status call runs, compiled once. */
  readonly compiled: CompiledQueries;
  /** Jobs accepted in the same turn, written as one INSERT. */
  readonly inserts: GroupCommit<Insertable<JobsTable>, void>;
  /** Run a change of one job in a transaction, which on SQLite it may share with others. */
  change<T>(change: Change<T>): Promise<T>;
}

/** The store's time as stored: ISO 8601 UTC. */
export const nowIso = (s: StoreContext) => s.clock().toISOString();

/** `ms` after the store's now, as stored. */
export const isoAfter = (s: StoreContext, ms: number) => new Date(s.clock().getTime() + ms).toISOString();

/** On ending a job: its webhook, if it has one, is due now. */
export const webhookDueAt = (at: string) => sql<string | null>`case when webhook is null then null else ${at} end`;

/** Takes left before MAX_ATTEMPTS: counted since the job was last retried. */
export function takesUsed(eb: ExpressionBuilder<Database, 'jobs'>) {
  return eb(eb.ref('attempts'), '-', eb.ref('attempts_base'));
}

/** Queued, or processing under a lease that ran out before `at`. */
export function takeable(at: string) {
  return (eb: ExpressionBuilder<Database, 'jobs'>) =>
    eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', at)])]);
}

/**
 * A LIMIT written into the SQL rather than bound. SQLite plans a query from its LIMIT, so
 * a statement with `limit ?` is compiled again every time it runs: measured here, 12 µs
 * of the content-cache lookup's 14 µs. A handful of distinct limits is a handful of
 * cached statements.
 */
export function limitOf(rows: number) {
  if (!Number.isSafeInteger(rows) || rows < 0) throw new RangeError(`a LIMIT must be a whole number, not ${rows}`);
  return sql.lit(rows);
}

/** Attempts still open (their worker died) end as abandoned when the job is taken or given up. */
export async function abandonOpenAttempts(db: Db, jobId: string, at: string): Promise<void> {
  await db
    .updateTable('job_attempts')
    .set({ finished_at: at, outcome: 'abandoned' })
    .where('job_id', '=', jobId)
    .where('outcome', 'is', null)
    .execute();
}

export async function endAttempt(
  db: Db,
  jobId: string,
  attempt: number,
  end: Pick<JobAttemptsTable, 'finished_at' | 'outcome'> & Partial<Pick<JobAttemptsTable, 'error_code' | 'error_message' | 'describer'>>,
): Promise<void> {
  await db.updateTable('job_attempts').set(end).where('job_id', '=', jobId).where('attempt', '=', attempt).execute();
}
