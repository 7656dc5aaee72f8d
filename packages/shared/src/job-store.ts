import { sql, type Kysely, type Selectable } from 'kysely';
import type { Description } from './describer.js';
import { openDatabase, type Database, type Dialect, type JobsTable } from './database.js';
import type { JobError } from './errors.js';
import type { JobStatus } from './job-status.js';
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
}

/** A stored job: what was uploaded, and how far it has got. */
export interface Job extends NewJob {
  readonly status: JobStatus;
  readonly description: string | null;
  readonly generatedBy: string | null;
  readonly details: Record<string, unknown> | null;
  readonly error: JobError | null;
  readonly attempts: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
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
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message ?? '' },
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

const now = () => new Date().toISOString();

/**
 * The source of truth for jobs. Every state change is a conditional UPDATE that names
 * the state it leaves, so a duplicate or late delivery changes nothing and reports so.
 */
export class JobStore {
  constructor(
    private readonly db: Kysely<Database>,
    readonly dialect: Dialect,
  ) {}

  static async open(options: { dataDir: string; databaseUrl?: string | undefined }): Promise<JobStore> {
    const { db, dialect } = openDatabase(options);
    try {
      await migrateToLatest(db, dialect);
    } catch (err) {
      await db.destroy();
      throw err;
    }
    return new JobStore(db, dialect);
  }

  async insert(job: NewJob): Promise<Job> {
    const at = now();
    const row = await this.db
      .insertInto('jobs')
      .values({
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
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toJob(row);
  }

  async get(jobId: string): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('job_id', '=', jobId).executeTakeFirst();
    return row && toJob(row);
  }

  /** queued -> processing. Undefined when the job is not (or no longer) queued. */
  async claim(jobId: string): Promise<Job | undefined> {
    const at = now();
    const row = await this.db
      .updateTable('jobs')
      .set({ status: 'processing', attempts: sql`attempts + 1`, started_at: at, updated_at: at })
      .where('job_id', '=', jobId)
      .where('status', '=', 'queued')
      .returningAll()
      .executeTakeFirst();
    return row && toJob(row);
  }

  /** processing -> done. False when the job was not processing. */
  async complete(jobId: string, result: Completion): Promise<boolean> {
    const at = now();
    const res = await this.db
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
      })
      .where('job_id', '=', jobId)
      .where('status', '=', 'processing')
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  /** queued or processing -> failed. False when the job had already finished. */
  async fail(jobId: string, error: JobError): Promise<boolean> {
    const at = now();
    const res = await this.db
      .updateTable('jobs')
      .set({ status: 'failed', error_code: error.code, error_message: error.message, updated_at: at, finished_at: at })
      .where('job_id', '=', jobId)
      .where('status', 'in', ['queued', 'processing'])
      .executeTakeFirst();
    return res.numUpdatedRows === 1n;
  }

  /** Jobs still queued that were last touched before `before`, oldest first. */
  async listQueued(options: { before: string; limit: number }): Promise<string[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .select('job_id')
      .where('status', '=', 'queued')
      .where('updated_at', '<', options.before)
      .orderBy('created_at')
      .limit(options.limit)
      .execute();
    return rows.map((r) => r.job_id);
  }

  /** Throws when the database does not answer. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
