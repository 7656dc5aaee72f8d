import type { Kysely } from 'kysely';
import type { BlobFile, BlobStore, StoredBlob } from './blob-store.js';
import { CompiledQueries, insertParameters } from './compiled-queries.js';
import type { Database } from './database.js';
import { GroupCommit } from './group-commit.js';

/** The most uploads one INSERT or DELETE carries. */
const MAX_BATCH = 64;

/**
 * Small uploads kept in the job store, in the table job_uploads, until their job ends;
 * larger ones, and files adopted from disk, go to the store it wraps (local files or
 * S3).
 *
 * A file per upload was the largest cost of a submit: creating, writing and closing it,
 * and later reading and deleting it, is kernel work and a trip through libuv's thread
 * pool each (measured here: a server's main thread spent 200 to 280 µs less per submit
 * without it). In the database, the uploads of a turn are one INSERT, appended to the
 * WAL with the rest of the commit, and the job store's durability is theirs. What the
 * job store holds at a time is the uploads of jobs not yet done: each is deleted when
 * its job ends, like a file.
 */
export class InlineBlobStore implements BlobStore {
  private readonly compiled: CompiledQueries;
  private readonly puts: GroupCommit<{ jobId: string; bytes: Buffer }, void>;
  /** Resolves true when the upload was here (and is now gone). */
  private readonly deletes: GroupCommit<string, boolean>;

  /**
   * @param maxBytes the largest upload kept in the database; 0 keeps none there.
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly large: BlobStore,
    readonly maxBytes: number,
  ) {
    this.compiled = new CompiledQueries(db);
    this.puts = new GroupCommit<{ jobId: string; bytes: Buffer }, void>(async (items) => {
      const createdAt = new Date().toISOString();
      const rows = items.map(({ jobId, bytes }) => ({ job_id: jobId, bytes, created_at: createdAt }));
      await this.compiled.execute(`insert ${rows.length}`, insertParameters(rows), () => this.db.insertInto('job_uploads').values(rows));
      return items.map(() => undefined);
    }, MAX_BATCH);
    this.deletes = new GroupCommit(async (jobIds) => {
      const { rows } = await this.compiled.execute(`delete ${jobIds.length}`, jobIds, () =>
        this.db.deleteFrom('job_uploads').where('job_id', 'in', jobIds).returning('job_id'),
      );
      const gone = new Set(rows.map((r) => r.job_id));
      return jobIds.map((id) => gone.has(id));
    }, MAX_BATCH);
  }

  get tmpDir(): string {
    return this.large.tmpDir;
  }

  async init(): Promise<this> {
    await this.large.init();
    return this;
  }

  adopt(jobId: string, tmpPath: string): Promise<void> {
    return this.large.adopt(jobId, tmpPath);
  }

  put(jobId: string, bytes: Buffer): Promise<void> {
    return bytes.length <= this.maxBytes ? this.puts.add({ jobId, bytes }) : this.large.put(jobId, bytes);
  }

  private async bytesOf(jobId: string): Promise<Buffer | undefined> {
    const { rows } = await this.compiled.execute('get', [jobId], () =>
      this.db.selectFrom('job_uploads').select('bytes').where('job_id', '=', jobId),
    );
    return rows[0]?.bytes;
  }

  async exists(jobId: string): Promise<boolean> {
    const { rows } = await this.compiled.execute('exists', [jobId], () =>
      this.db.selectFrom('job_uploads').select('job_id').where('job_id', '=', jobId),
    );
    return rows.length > 0 || this.large.exists(jobId);
  }

  async delete(jobId: string): Promise<void> {
    if (!(await this.deletes.add(jobId))) await this.large.delete(jobId);
  }

  async list(): Promise<StoredBlob[]> {
    const rows = await this.db.selectFrom('job_uploads').select(['job_id', 'created_at']).execute();
    const inline = rows.map((r) => ({ id: r.job_id, modifiedMs: Date.parse(r.created_at) }));
    return [...inline, ...(await this.large.list())];
  }

  async open(jobId: string): Promise<BlobFile> {
    const bytes = await this.bytesOf(jobId);
    if (bytes) return { source: bytes, release: async () => undefined };
    return this.large.open(jobId);
  }

  ping(): Promise<void> {
    return this.large.ping?.() ?? Promise.resolve();
  }
}
