import { sql, type ExpressionBuilder, type Insertable, type Kysely, type Selectable } from 'kysely';
import { JobOptions, type Attempt, type WebhookState } from './api-schemas.js';
import type { Description } from './describer.js';
import { openDatabase, type Database, type DatabaseOptions, type Dialect, type JobAttemptsTable, type JobsTable } from './database.js';
import type { JobError } from './errors.js';
import type { JobStatus } from './job-status.js';
import { CompiledQueries, insertParameters } from './compiled-queries.js';
import { GroupCommit } from './group-commit.js';
import { migrateToLatest } from './migrate.js';

/** What the server records when it accepts an upload. */
export interface NewJob {
  readonly jobId: string;
  readonly filename: string | null;
  readonly mediaType: string;
  readonly byteSize: number;
  readonly sha256: string;
  readonly width: number;
  readonly height: number;
  /** Who may see the job: a hash of the API key that created it, or null. */
  readonly owner: string | null;
  readonly options: JobOptions;
  /** Where to POST the result when the job ends, if anywhere. */
  readonly webhookUrl?: string | null;
}

/** A stored job: what was uploaded, and how far it has got. */
export interface Job extends NewJob {
  readonly status: JobStatus;
  readonly description: string | null;
  readonly generatedBy: string | null;
  readonly details: Record<string, unknown> | null;
  readonly error: JobError | null;
  /** Takes so far, over the job's whole life (retries included). */
  readonly attempts: number;
  /** `attempts` when the job was last retried: MAX_ATTEMPTS counts from here. */
  readonly attemptsBase: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly leaseUntil: string | null;
  readonly webhook: WebhookState | null;
}

/** A finished description, as a describer returns it. */
export type Completion = Description;

function toJob(row: Selectable<JobsTable>): Job {
  return {
    jobId: row.job_id,
    status: row.status,
    filename: row.filename,
    mediaType: row.media_type,
    byteSize: Number(row.byte_size),
    sha256: row.sha256,
    width: row.width,
    height: row.height,
    description: row.description,
    generatedBy: row.generated_by,
    details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
    error: storedError(row),
    attempts: row.attempts,
    attemptsBase: row.attempts_base,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    leaseUntil: row.lease_until,
    owner: row.owner,
    options: JobOptions.parse(row.options === null ? {} : JSON.parse(row.options)),
    webhook: row.webhook === null ? null : (JSON.parse(row.webhook) as WebhookState),
  };
}

function toAttempt(row: Selectable<JobAttemptsTable>): Attempt {
  return {
    attempt: row.attempt,
    started_at: row.started_at,
    finished_at: row.finished_at,
    outcome: row.outcome,
    error: storedError(row),
    describer: row.describer,
    model_calls: row.model_calls,
  };
}

/** A stored error_code / error_message pair, as the JobError clients see. */
const storedError = (row: { error_code: string | null; error_message: string | null }): JobError | null =>
  row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' };

const now = () => new Date().toISOString();

const FINISHED: JobStatus[] = ['done', 'failed', 'canceled'];

const newWebhook = (url: string): WebhookState => ({ url, attempts: 0, delivered_at: null, last_status: null, last_error: null });

/** On ending a job: its webhook, if it has one, is due now. */
const webhookDueAt = (at: string) => sql<string | null>`case when webhook is null then null else ${at} end`;

/** The row of a job just accepted: queued, nothing described yet. */
function newRow(job: NewJob, at: string): Insertable<JobsTable> {
  return {
    job_id: job.jobId,
    status: 'queued',
    filename: job.filename,
    media_type: job.mediaType,
    byte_size: job.byteSize,
    sha256: job.sha256,
    width: job.width,
    height: job.height,
    description: null,
    generated_by: null,
    details: null,
    error_code: null,
    error_message: null,
    attempts: 0,
    created_at: at,
    updated_at: at,
    started_at: null,
    finished_at: null,
    lease_until: null,
    owner: job.owner,
    options: JSON.stringify(job.options),
    webhook: job.webhookUrl ? JSON.stringify(newWebhook(job.webhookUrl)) : null,
  };
}

/** Takes left before MAX_ATTEMPTS: counted since the job was last retried. */
function takesUsed(eb: ExpressionBuilder<Database, 'jobs'>) {
  return eb(eb.ref('attempts'), '-', eb.ref('attempts_base'));
}

/** Queued, or processing under a lease that ran out before `at`. */
function takeable(at: string) {
  return (eb: ExpressionBuilder<Database, 'jobs'>) =>
    eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', at)])]);
}

/**
 * A LIMIT written into the SQL rather than bound. SQLite plans a query from its LIMIT, so
 * a statement with `limit ?` is compiled again every time it runs: measured here, 12 µs
 * of the content-cache lookup's 14 µs. A handful of distinct limits is a handful of
 * cached statements.
 */
function limitOf(rows: number) {
  if (!Number.isSafeInteger(rows) || rows < 0) throw new RangeError(`a LIMIT must be a whole number, not ${rows}`);
  return sql.lit(rows);
}

/** The most rows one INSERT carries: far below SQLite's and PostgreSQL's bound-parameter limits. */
const MAX_ROWS_PER_INSERT = 64;

/** The most job changes (claims, completions, ...) one SQLite transaction carries. */
const MAX_CHANGES_PER_COMMIT = 64;

type Db = Kysely<Database>;

/**
 * A change of one job, written in a transaction. It must use only `trx`: it may be run
 * twice (once in a batch that fails, then alone), and a call to another store method
 * would wait for the very transaction it runs in.
 */
type Change<T> = (trx: Db) => Promise<T>;

/**
 * The source of truth for jobs. Every state change is a conditional UPDATE that names
 * the state it leaves, so a duplicate or late delivery changes nothing and reports so.
 */
export class JobStore {
  /**
   * Jobs accepted in the same turn go to the database as one INSERT: SQLite then commits
   * once for all of them (each commit writes every page it touched to the WAL), and
   * PostgreSQL answers in one round trip.
   */
  private readonly inserts: GroupCommit<Insertable<JobsTable>, void>;
  /**
   * On SQLite, a worker's claims and completions of the same turn share one transaction,
   * for the same reason. SQLite has one writer, so nothing runs beside them anyway;
   * PostgreSQL runs each in its own transaction, in parallel over the pool.
   */
  private readonly changes: GroupCommit<Change<unknown>, unknown> | undefined;
  /** The queries every submit or status call runs. */
  private readonly compiled: CompiledQueries;

  constructor(
    /** The database, for what shares it with the jobs (the uploads kept inline). */
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
  ) {
    this.compiled = new CompiledQueries(db);
    this.inserts = new GroupCommit<Insertable<JobsTable>, void>(async (rows) => {
      // Every row comes from newRow: the same columns in the same order.
      await this.compiled.execute(`insert ${rows.length}`, insertParameters(rows), () => this.db.insertInto('jobs').values(rows));
      return rows.map(() => undefined);
    }, MAX_ROWS_PER_INSERT);
    this.changes =
      dialect === 'sqlite'
        ? new GroupCommit(
            (changes) =>
              this.db.transaction().execute(async (trx) => {
                const results: unknown[] = [];
                for (const change of changes) results.push(await change(trx));
                return results;
              }),
            MAX_CHANGES_PER_COMMIT,
          )
        : undefined;
  }

  /** Run a change of one job in a transaction, which on SQLite it may share with others. */
  private change<T>(change: Change<T>): Promise<T> {
    return this.changes ? (this.changes.add(change) as Promise<T>) : this.db.transaction().execute(change);
  }

  /**
   * Migrate, then open the store for work. The migrations run on a connection of their
   * own without the store timeout, which bounds the work's queries but not building an
   * index on a large table.
   */
  static async open(options: DatabaseOptions): Promise<JobStore> {
    const migrating = await openDatabase({ ...options, timeoutMs: undefined });
    try {
      await migrateToLatest(migrating.db, migrating.dialect);
    } finally {
      await migrating.db.destroy();
    }
    const { db, dialect } = await openDatabase(options);
    return new JobStore(db, dialect);
  }

  /** Record a job just accepted, as queued. Resolves once its row is written. */
  async insert(job: NewJob): Promise<void> {
    await this.inserts.add(newRow(job, now()));
  }

  /**
   * Record how a webhook delivery went, and when to try again (null: delivered, or
   * given up). Only while `heldUntil` is still the job's due time, that is while the
   * caller's claim holds: false, and nothing written, when the job was retried meanwhile.
   */
  async saveWebhook(jobId: string, state: WebhookState | null, next: { heldUntil: string; dueAt: string | null }): Promise<boolean> {
    const res = await this.db
      .updateTable('jobs')
      .set({ webhook: state === null ? null : JSON.stringify(state), webhook_due_at: next.dueAt })
      .where('job_id', '=', jobId)
      .where('webhook_due_at', '=', next.heldUntil)
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  /** Jobs whose webhook may be attempted now, the longest waiting first. */
  async dueWebhooks(limit: number): Promise<Array<{ jobId: string; dueAt: string }>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['job_id', 'webhook_due_at'])
      .where('webhook_due_at', '<=', now())
      .orderBy('webhook_due_at')
      .limit(limitOf(limit))
      .execute();
    return rows.map((r) => ({ jobId: r.job_id, dueAt: r.webhook_due_at! }));
  }

  /**
   * Take the delivery of a job's webhook until `until`: a compare-and-set on the due
   * time just read, so of several workers exactly one gets it. Should the holder stop,
   * the delivery is due again at `until`, for anyone.
   */
  async claimWebhook(jobId: string, dueAt: string, until: string): Promise<boolean> {
    const res = await this.db
      .updateTable('jobs')
      .set({ webhook_due_at: until })
      .where('job_id', '=', jobId)
      .where('webhook_due_at', '=', dueAt)
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  async get(jobId: string): Promise<Job | undefined> {
    const { rows } = await this.compiled.execute('get', [jobId], () =>
      this.db.selectFrom('jobs').selectAll().where('job_id', '=', jobId),
    );
    return rows[0] && toJob(rows[0]);
  }

  /**
   * Take a job to process: queued -> processing, or processing -> processing again when
   * the worker that held it let its lease run out (it died; its attempt is recorded as
   * abandoned). Each take is an attempt, recorded with `describer`. Undefined when the
   * job is someone else's, finished, or out of attempts.
   */
  async claim(jobId: string, options: { leaseMs: number; maxAttempts: number; describer: string }): Promise<Job | undefined> {
    const at = new Date();
    const iso = at.toISOString();
    return this.change(async (trx) => {
      const row = await trx
        .updateTable('jobs')
        .set({
          status: 'processing',
          attempts: sql`attempts + 1`,
          started_at: iso,
          updated_at: iso,
          lease_until: new Date(at.getTime() + options.leaseMs).toISOString(),
        })
        .where('job_id', '=', jobId)
        .where(takeable(iso))
        .where((eb) => eb(takesUsed(eb), '<', options.maxAttempts))
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      // A take after the first may follow a worker that died holding the job.
      if (row.attempts > row.attempts_base + 1) await abandonOpenAttempts(trx, jobId, iso);
      await trx
        .insertInto('job_attempts')
        .values({ job_id: jobId, attempt: row.attempts, started_at: iso, describer: options.describer })
        .onConflict((oc) =>
          oc.columns(['job_id', 'attempt']).doUpdateSet({
            started_at: iso,
            finished_at: null,
            outcome: null,
            error_code: null,
            error_message: null,
            describer: options.describer,
          }),
        )
        .execute();
      return toJob(row);
    });
  }

  /**
   * A job taken maxAttempts times without finishing (its processing kills workers)
   * ends failed, instead of being redelivered forever. False if it is not such a job.
   */
  async failExhausted(jobId: string, maxAttempts: number): Promise<boolean> {
    const at = now();
    return this.change(async (trx) => {
      const res = await trx
        .updateTable('jobs')
        .set({
          status: 'failed',
          error_code: 'too_many_attempts',
          error_message: `Processing this image was started ${maxAttempts} times and never finished; it is not retried again.`,
          updated_at: at,
          finished_at: at,
          lease_until: null,
          webhook_due_at: webhookDueAt(at),
        })
        .where('job_id', '=', jobId)
        .where(takeable(at))
        .where((eb) => eb(takesUsed(eb), '>=', maxAttempts))
        .executeTakeFirst();
      if (res.numUpdatedRows !== 1n) return false;
      await abandonOpenAttempts(trx, jobId, at);
      return true;
    });
  }

  /** Keep holding a job while working on it. False when the lease was lost to another worker. */
  async renewLease(jobId: string, attempt: number, leaseMs: number): Promise<boolean> {
    const res = await this.db
      .updateTable('jobs')
      .set({ lease_until: new Date(Date.now() + leaseMs).toISOString() })
      .where('job_id', '=', jobId)
      .where('status', '=', 'processing')
      .where('attempts', '=', attempt)
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  /**
   * Before a request to a paid model: whether this attempt still holds the job (nobody
   * took it over), and if so, its lease renewed and the call counted on the attempt, in
   * one transaction. False: the job is another attempt's now, and the call must not be made.
   */
  async recordModelCall(jobId: string, attempt: number, leaseMs: number): Promise<boolean> {
    return this.change(async (trx) => {
      const held = await trx
        .updateTable('jobs')
        .set({ lease_until: new Date(Date.now() + leaseMs).toISOString() })
        .where('job_id', '=', jobId)
        .where('status', '=', 'processing')
        .where('attempts', '=', attempt)
        .executeTakeFirst();
      if (held.numUpdatedRows !== 1n) return false;
      await trx
        .updateTable('job_attempts')
        .set((eb) => ({ model_calls: eb('model_calls', '+', 1) }))
        .where('job_id', '=', jobId)
        .where('attempt', '=', attempt)
        .execute();
      return true;
    });
  }

  /**
   * processing -> queued, for a worker shutting down before it finished: the attempt is
   * given back, so stopping workers never uses up a job's attempts.
   */
  async release(jobId: string, attempt: number): Promise<boolean> {
    return this.change(async (trx) => {
      const res = await trx
        .updateTable('jobs')
        .set({ status: 'queued', attempts: sql`attempts - 1`, lease_until: null, updated_at: now() })
        .where('job_id', '=', jobId)
        .where('status', '=', 'processing')
        .where('attempts', '=', attempt)
        .executeTakeFirst();
      if (res.numUpdatedRows !== 1n) return false;
      await trx.deleteFrom('job_attempts').where('job_id', '=', jobId).where('attempt', '=', attempt).execute();
      return true;
    });
  }

  /**
   * processing -> done, by the attempt that holds the job. False when the job is not
   * (or no longer) that attempt's: a late or duplicate worker changes nothing.
   */
  async complete(jobId: string, attempt: number, result: Completion): Promise<boolean> {
    const at = now();
    return this.change(async (trx) => {
      const res = await trx
        .updateTable('jobs')
        .set({
          status: 'done',
          description: result.description,
          generated_by: result.generatedBy,
          details: JSON.stringify(result.details),
          error_code: null,
          error_message: null,
          updated_at: at,
          finished_at: at,
          lease_until: null,
          webhook_due_at: webhookDueAt(at),
        })
        .where('job_id', '=', jobId)
        .where('status', '=', 'processing')
        .where('attempts', '=', attempt)
        .executeTakeFirst();
      if (res.numUpdatedRows !== 1n) return false;
      await endAttempt(trx, jobId, attempt, { finished_at: at, outcome: 'done', describer: result.generatedBy });
      return true;
    });
  }

  /**
   * -> failed. With an attempt: only while that attempt holds the job. Without one: a
   * queued job that cannot run (its upload is gone). False when it had already finished.
   */
  async fail(jobId: string, error: JobError, attempt?: number): Promise<boolean> {
    const at = now();
    return this.change(async (trx) => {
      let query = trx
        .updateTable('jobs')
        .set({
          status: 'failed',
          error_code: error.code,
          error_message: error.message,
          updated_at: at,
          finished_at: at,
          lease_until: null,
          webhook_due_at: webhookDueAt(at),
        })
        .where('job_id', '=', jobId);
      query =
        attempt === undefined
          ? query.where('status', '=', 'queued')
          : query.where('status', '=', 'processing').where('attempts', '=', attempt);
      const res = await query.executeTakeFirst();
      if (res.numUpdatedRows !== 1n) return false;
      if (attempt !== undefined) {
        await endAttempt(trx, jobId, attempt, {
          finished_at: at,
          outcome: 'failed',
          error_code: error.code,
          error_message: error.message,
        });
      }
      return true;
    });
  }

  /**
   * failed -> queued: a dead letter goes back on the queue as a new attempt, with
   * MAX_ATTEMPTS takes of its own; its history is kept. False when it is not failed.
   */
  async retry(jobId: string): Promise<boolean> {
    const job = await this.get(jobId);
    if (!job || job.status !== 'failed') return false;
    const res = await this.db
      .updateTable('jobs')
      .set({
        status: 'queued',
        attempts_base: sql`attempts`,
        error_code: null,
        error_message: null,
        updated_at: now(),
        started_at: null,
        finished_at: null,
        lease_until: null,
        // The webhook fires again for the new ending.
        webhook: job.webhook ? JSON.stringify(newWebhook(job.webhook.url)) : null,
        webhook_due_at: null,
      })
      .where('job_id', '=', jobId)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  /** Every attempt at a job, first to last. */
  async attemptsOf(jobId: string): Promise<Attempt[]> {
    const rows = await this.db.selectFrom('job_attempts').selectAll().where('job_id', '=', jobId).orderBy('attempt').execute();
    return rows.map(toAttempt);
  }

  /** Failed jobs (the dead letters), oldest failure first, for retrying many at once. */
  async listFailed(filter: { owner: string | null; since?: string | undefined; errorCode?: string | undefined; limit: number }) {
    let query = this.db.selectFrom('jobs').selectAll().where('status', '=', 'failed');
    if (filter.owner !== null) query = query.where('owner', '=', filter.owner);
    if (filter.since) query = query.where('finished_at', '>=', filter.since);
    if (filter.errorCode) query = query.where('error_code', '=', filter.errorCode);
    const rows = await query.orderBy('finished_at').orderBy('job_id').limit(limitOf(filter.limit)).execute();
    return rows.map(toJob);
  }

  /**
   * Jobs that need putting (back) on the queue: queued and untouched since `queuedBefore`,
   * or processing under a lease that ran out. Oldest first.
   */
  async listStale(options: { queuedBefore: string; limit: number }): Promise<string[]> {
    const at = now();
    const rows = await this.db
      .selectFrom('jobs')
      .select('job_id')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'queued'), eb('updated_at', '<', options.queuedBefore)]),
          eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', at)]),
        ]),
      )
      .orderBy('created_at')
      .limit(limitOf(options.limit))
      .execute();
    return rows.map((r) => r.job_id);
  }

  /** queued -> canceled. False when the job is no longer queued. */
  async cancel(jobId: string): Promise<boolean> {
    const at = now();
    const res = await this.db
      .updateTable('jobs')
      .set({ status: 'canceled', updated_at: at, finished_at: at, lease_until: null })
      .where('job_id', '=', jobId)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  /** Delete a finished job's row. False when it is not finished (or not there). */
  async deleteFinished(jobId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.deleteFrom('jobs').where('job_id', '=', jobId).where('status', 'in', FINISHED).executeTakeFirst();
      if (res.numDeletedRows !== 1n) return false;
      await trx.deleteFrom('job_attempts').where('job_id', '=', jobId).execute();
      return true;
    });
  }

  /**
   * Jobs newest first, a page at a time. The cursor is the last row's (created_at,
   * job_id), so a page costs the same however deep it is (keyset pagination).
   */
  async list(options: {
    owner: string | null;
    status?: JobStatus | undefined;
    limit: number;
    after?: { createdAt: string; jobId: string } | undefined;
  }): Promise<Job[]> {
    let query = this.db.selectFrom('jobs').selectAll();
    if (options.owner !== null) query = query.where('owner', '=', options.owner);
    if (options.status) query = query.where('status', '=', options.status);
    const after = options.after;
    if (after) {
      // A row-value comparison, which both databases answer as a range of the
      // (created_at, job_id) index: written as an OR, SQLite walks every newer row first.
      query = query.where((eb) => eb(eb.refTuple('created_at', 'job_id'), '<', eb.tuple(after.createdAt, after.jobId)));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('job_id', 'desc').limit(limitOf(options.limit)).execute();
    return rows.map(toJob);
  }

  /** Delete finished jobs that finished before `before`, a batch at a time; their ids. */
  async deleteFinishedBefore(before: string, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .select('job_id')
      .where('status', 'in', FINISHED)
      .where('finished_at', '<', before)
      .limit(limitOf(limit))
      .execute();
    const ids = rows.map((r) => r.job_id);
    if (ids.length > 0) {
      await this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('jobs').where('job_id', 'in', ids).where('status', 'in', FINISHED).execute();
        await trx.deleteFrom('job_attempts').where('job_id', 'in', ids).execute();
      });
    }
    return ids;
  }

  /** Jobs by status (all of them, or one caller's). */
  async countByStatus(owner: string | null): Promise<Partial<Record<JobStatus, number>>> {
    let query = this.db.selectFrom('jobs').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status');
    if (owner !== null) query = query.where('owner', '=', owner);
    const rows = await query.execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Jobs by status, and the times of the most recent finished ones (for /stats). */
  async stats(owner: string | null, sample: number) {
    let recent = this.db
      .selectFrom('jobs')
      .select(['created_at', 'started_at', 'finished_at'])
      .where('status', '=', 'done')
      .orderBy('finished_at', 'desc')
      .limit(limitOf(sample));
    if (owner !== null) recent = recent.where('owner', '=', owner);
    const [counts, finished] = await Promise.all([this.countByStatus(owner), recent.execute()]);
    return {
      counts,
      finished: finished.map((r) => ({ createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at })),
    };
  }

  /**
   * Claim an idempotency key for a new job. Returns undefined when the key is new (or
   * its claim is older than `since`, and is replaced); otherwise the earlier claim.
   */
  async claimIdempotencyKey(claim: { scopedKey: string; requestHash: string; jobId: string; since: string }) {
    const existing = await this.db.selectFrom('idempotency_keys').selectAll().where('scoped_key', '=', claim.scopedKey).executeTakeFirst();
    if (existing && existing.created_at >= claim.since) return { requestHash: existing.request_hash, jobId: existing.job_id };
    if (existing) await this.db.deleteFrom('idempotency_keys').where('scoped_key', '=', claim.scopedKey).execute();
    try {
      await this.db
        .insertInto('idempotency_keys')
        .values({ scoped_key: claim.scopedKey, request_hash: claim.requestHash, job_id: claim.jobId, created_at: now() })
        .execute();
      return undefined;
    } catch (err) {
      // Another request with the same key won the race: answer with its claim.
      const winner = await this.db.selectFrom('idempotency_keys').selectAll().where('scoped_key', '=', claim.scopedKey).executeTakeFirst();
      if (!winner) throw err;
      return { requestHash: winner.request_hash, jobId: winner.job_id };
    }
  }

  async releaseIdempotencyKey(scopedKey: string): Promise<void> {
    await this.db.deleteFrom('idempotency_keys').where('scoped_key', '=', scopedKey).execute();
  }

  /** Forget idempotency keys claimed before `before`. */
  async purgeIdempotencyKeys(before: string): Promise<void> {
    await this.db.deleteFrom('idempotency_keys').where('created_at', '<', before).execute();
  }

  /** The newest finished description of these bytes with these options, for this caller. */
  async findCached(sha256: string, options: JobOptions, owner: string | null): Promise<Job | undefined> {
    const optionsText = JSON.stringify(options);
    const parameters = owner === null ? [sha256, 'done', optionsText] : [sha256, 'done', optionsText, owner];
    const { rows } = await this.compiled.execute(owner === null ? 'findCached' : 'findCached by owner', parameters, () => {
      let query = this.db.selectFrom('jobs').selectAll().where('sha256', '=', sha256).where('status', '=', 'done').where('options', '=', optionsText);
      query = owner === null ? query.where('owner', 'is', null) : query.where('owner', '=', owner);
      return query.orderBy('finished_at', 'desc').limit(limitOf(1));
    });
    return rows[0] && toJob(rows[0]);
  }

  /** Record a job that is done at once, with a description taken from another job. */
  async insertDone(job: NewJob, result: Completion): Promise<Job> {
    const at = now();
    const row = await this.db
      .insertInto('jobs')
      .values({
        ...newRow(job, at),
        status: 'done',
        description: result.description,
        generated_by: result.generatedBy,
        details: JSON.stringify(result.details),
        started_at: at,
        finished_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toJob(row);
  }

  /** Throws when the database does not answer. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/** Attempts still open (their worker died) end as abandoned when the job is taken or given up. */
async function abandonOpenAttempts(db: Db, jobId: string, at: string): Promise<void> {
  await db
    .updateTable('job_attempts')
    .set({ finished_at: at, outcome: 'abandoned' })
    .where('job_id', '=', jobId)
    .where('outcome', 'is', null)
    .execute();
}

async function endAttempt(
  db: Db,
  jobId: string,
  attempt: number,
  end: Pick<JobAttemptsTable, 'finished_at' | 'outcome'> & Partial<Pick<JobAttemptsTable, 'error_code' | 'error_message' | 'describer'>>,
): Promise<void> {
  await db.updateTable('job_attempts').set(end).where('job_id', '=', jobId).where('attempt', '=', attempt).execute();
}
