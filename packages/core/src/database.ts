import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type Generated } from 'kysely';
import type { JobStatus } from '@depict/contract';
import { mappingStoreFaults } from './store-errors.js';

/** The tables, as kysely sees them. Timestamps are ISO 8601 UTC strings in both dialects. */
export interface JobsTable {
  job_id: string;
  status: JobStatus;
  filename: string | null;
  media_type: string;
  byte_size: number;
  sha256: string;
  width: number;
  height: number;
  description: string | null;
  generated_by: string | null;
  /** JSON text. */
  details: string | null;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** While processing: the time the worker's lease runs out. */
  lease_until: string | null;
  /** The hash of the API key that created the job; null without API keys. */
  owner: string | null;
  /** JSON text: JobOptions. */
  options: string | null;
  /** JSON text: WebhookState. */
  webhook: string | null;
  /** When the webhook may next be attempted; null when there is nothing to send. */
  webhook_due_at: string | null;
  /** `attempts` when the job was last retried: each retry gets MAX_ATTEMPTS takes. */
  attempts_base: Generated<number>;
}

/** One attempt at a job. outcome null: running (or its worker died and nobody took over yet). */
export interface JobAttemptsTable {
  job_id: string;
  attempt: number;
  started_at: string;
  finished_at: string | null;
  outcome: AttemptOutcome | null;
  error_code: string | null;
  error_message: string | null;
  /** Which describer worked on it: `openai:<model>`, `depict-analyzer@<version>`, ... */
  describer: string | null;
  /** Requests this attempt made to a paid vision model (retries included). */
  model_calls: Generated<number>;
}

/** done / failed: the attempt ended the job. abandoned: its worker stopped answering (died). */
export type AttemptOutcome = 'done' | 'failed' | 'abandoned';

export interface IdempotencyKeysTable {
  /** The caller's owner hash (or "") and the client's key. */
  scoped_key: string;
  /** sha256 of the upload's bytes and options: the same key must come with the same request. */
  request_hash: string;
  job_id: string;
  created_at: string;
}

/** Small uploads, kept in the job store until their job ends (inline-blob-store.ts). */
export interface JobUploadsTable {
  job_id: string;
  bytes: Buffer;
  created_at: string;
}

/** Vision model spending per owner ('' without API keys) and UTC day: see migration 012. */
export interface UsageDaysTable {
  owner: string;
  day: string;
  jobs: number;
  /** bigint: PostgreSQL's driver reads it as a string. */
  input_tokens: number | string;
  output_tokens: number | string;
  cost_usd: number | null;
}

export interface Database {
  usage_days: UsageDaysTable;
  jobs: JobsTable;
  job_uploads: JobUploadsTable;
  idempotency_keys: IdempotencyKeysTable;
  job_attempts: JobAttemptsTable;
}

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
}

export interface DatabaseOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  /**
   * How long one query, or getting a connection, may take before it fails as
   * store_unavailable (STORE_TIMEOUT_MS); undefined: no bound (migrations, which may
   * build an index on a large table).
   */
  readonly timeoutMs?: number | undefined;
  /** Hears errors of connections no query is waiting on (PostgreSQL), which would otherwise end the process. */
  readonly onConnectionError?: (err: Error) => void;
}

/** node-postgres' own read timeout fires this long after PostgreSQL's statement_timeout would have. */
const READ_TIMEOUT_MARGIN_MS = 500;

/**
 * SQLite in DATA_DIR unless a PostgreSQL URL is given. WAL lets readers (the server)
 * work while a writer (a worker) commits; the busy timeout makes concurrent writers
 * wait for each other, up to the store timeout, instead of failing with SQLITE_BUSY at
 * once. Either way, store faults come out as DepictErrors (store-errors.ts).
 */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = await postgresPool(options.databaseUrl, options);
    return { db: new Kysely<Database>({ dialect: mappingStoreFaults(new PostgresDialect({ pool })) }), dialect: 'postgres' };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const sqlite = new SQLite(path.join(options.dataDir, 'depict.sqlite'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`busy_timeout = ${options.timeoutMs ?? UNBOUNDED_BUSY_TIMEOUT_MS}`);
  sqlite.pragma('synchronous = NORMAL');
  // A checkpoint (copying the WAL into the database, with an fsync) runs inside whichever
  // commit crosses this many pages; every 40 MB rather than every 4 MB spares busy workers.
  sqlite.pragma('wal_autocheckpoint = 10000');
  return { db: new Kysely<Database>({ dialect: mappingStoreFaults(new SqliteDialect({ database: reusingStatements(sqlite) })) }), dialect: 'sqlite' };
}

/** SQLite's wait for a lock when no store timeout applies (migrations). */
const UNBOUNDED_BUSY_TIMEOUT_MS = 60_000;

/**
 * A PostgreSQL pool that neither hangs nor ends the process when the database goes away:
 * connecting, each query (PostgreSQL's statement_timeout, and the client's own read
 * timeout for a network that stops answering) and an idle or busy connection's errors
 * are all bounded or heard.
 */
async function postgresPool(connectionString: string, options: DatabaseOptions) {
  // Loaded only here: a process on SQLite never needs the PostgreSQL client. Required, not
  // imported: the bundles run from V8's code cache, where import() has no loader in Node 20
  // (scripts/bundle.mjs).
  const pg = createRequire(import.meta.url)('pg') as typeof import('pg');
  const timeoutMs = options.timeoutMs;
  /**
   * A client whose query went unanswered past the read timeout is dropped, not reused:
   * its query may still be sent or run when the network comes back, and every query
   * queued behind it on that connection would wait for it.
   */
  class DroppingClient extends pg.Client {
    constructor(config?: string | import('pg').ClientConfig) {
      super(config);
      const query = this.query.bind(this) as (...args: unknown[]) => unknown;
      const connection = (this as unknown as { connection: { stream: { destroy(): void } } }).connection;
      this.query = ((...args: unknown[]) => {
        const result = query(...args);
        if (result instanceof Promise) {
          result.catch((err: unknown) => {
            if (err instanceof Error && err.message === 'Query read timeout') connection.stream.destroy();
          });
        }
        return result;
      }) as unknown as typeof this.query;
    }
  }
  const pool = new pg.Pool({
    connectionString,
    max: 10,
    Client: DroppingClient,
    keepAlive: true,
    ...(timeoutMs !== undefined && {
      connectionTimeoutMillis: timeoutMs,
      statement_timeout: timeoutMs,
      query_timeout: timeoutMs + READ_TIMEOUT_MARGIN_MS,
    }),
  });
  const heard = (err: Error) => options.onConnectionError?.(err);
  // An idle client's error reaches the pool; a checked-out client's reaches only the client.
  pool.on('error', heard);
  pool.on('connect', (client) => client.on('error', heard));
  return pool;
}

/**
 * kysely prepares every query anew; with a few dozen distinct queries run thousands of
 * times, compiling them again is most of what a small query costs. Keep the last
 * `size` prepared statements by their SQL text. Safe because better-sqlite3 is
 * synchronous and kysely never iterates a statement while running another.
 */
function reusingStatements(sqlite: SQLite.Database, size = 200): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (statement) {
      cache.delete(source); // to the back: most recently used
    } else {
      statement = prepare(source);
      if (cache.size >= size) cache.delete(cache.keys().next().value!);
    }
    cache.set(source, statement);
    return statement;
  }) as typeof sqlite.prepare;
  return sqlite;
}
