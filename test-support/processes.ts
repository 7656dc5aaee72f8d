import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { GiveUp, waitFor } from './ports.js';
import { jsonLines, Proc, START_TIMEOUT_MS, startRedis } from './child-process.js';
import { onPostgres, testSchema } from './postgres.js';
import { REPO_ROOT } from './repo-root.js';

export { REPO_ROOT };
// What `npm start`, the image and Compose run: the bundles (scripts/bundle.mjs).
const SERVER_MAIN = path.join(REPO_ROOT, 'packages/server/bundle/main.mjs');
const WORKER_MAIN = path.join(REPO_ROOT, 'packages/worker/bundle/main.mjs');

export { Proc, redisCli, startRedis } from './child-process.js';

export type Env = Record<string, string | undefined>;

/**
 * The environment every test process gets: nothing from the developer's shell or .env
 * leaks in (DEPICT_ENV_FILE points nowhere unless a test asks for the real .env).
 */
export function baseEnv(overrides: Env): Record<string, string> {
  const env: Env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DEPICT_ENV_FILE: path.join(REPO_ROOT, 'test-support', 'no-such.env'),
    OPENAI_API_KEY: '',
    OPENAI_BASE_URL: '',
    QUEUE_PREFIX: 'depict-test',
    // Tests poll hard; the tests of rate limiting turn it on themselves.
    RATE_LIMIT_POINTS: '0',
    // Loading the recognition models costs a worker about a second and 200 MB; the tests
    // of recognition turn it on themselves.
    ANALYZER_OBJECTS: 'off',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * Start a server on a port of the system's choosing (PORT=0), read from the line it logs
 * once it listens: no port is picked first and lost to another process meanwhile. Its
 * output is kept in memory for the tests to read, or, with `logFile`, written to that
 * file as a log collector would take it: a benchmark must not spend its own CPU on the lines.
 * `entry` runs another build of the server (a benchmark's) instead of bundle/main.mjs.
 */
export async function startServer(env: Env, options: { logFile?: string; node?: string; entry?: string } = {}): Promise<{ url: string; port: number; proc: Proc }> {
  const logFile = options.logFile;
  const log = logFile === undefined ? 'pipe' : openSync(logFile, 'a');
  const logStart = logFile === undefined ? 0 : statSync(logFile).size;
  const child = spawn(options.node ?? process.execPath, [options.entry ?? SERVER_MAIN], {
    env: baseEnv({ PORT: '0', ...env }),
    stdio: ['ignore', log, log],
  });
  if (typeof log === 'number') closeSync(log);
  const proc = new Proc('server', child);
  const lines = () => (logFile === undefined ? proc.logs() : jsonLines(readFileSync(logFile, 'utf8').slice(logStart)));
  const port = await waitFor(
    'the server to listen',
    () => {
      if (!proc.running) throw new GiveUp(`server exited:\n${proc.output}`);
      const listening = lines().find((l) => typeof l.msg === 'string' && l.msg.startsWith('listening on ') && typeof l.port === 'number');
      return listening?.port as number | undefined;
    },
    { timeoutMs: START_TIMEOUT_MS },
  );
  return { url: `http://127.0.0.1:${port}`, port, proc };
}

export async function startWorker(env: Env, options: { node?: string; entry?: string } = {}): Promise<Proc> {
  const child = spawn(options.node ?? process.execPath, [options.entry ?? WORKER_MAIN], { env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = new Proc('worker', child);
  await waitFor(
    'the worker to start',
    () => {
      if (!proc.running) throw new GiveUp(`worker exited:\n${proc.output}`);
      return proc.logs().some((l) => l.msg === 'worker started') ? true : undefined;
    },
    { timeoutMs: START_TIMEOUT_MS },
  );
  return proc;
}

export async function tempDir(prefix = 'depict-test-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { path: dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Redis, a server and (optionally) a worker with a fresh DATA_DIR: the whole service,
 * as separate processes, the way it runs in production.
 */
export class Stack {
  redis!: Awaited<ReturnType<typeof startRedis>>;
  server!: Awaited<ReturnType<typeof startServer>>;
  worker: Proc | undefined;
  dataDir!: string;
  /** Set when the job store is PostgreSQL (DEPICT_TEST_STORE=postgres): a schema of this stack's own. */
  databaseUrl: string | undefined;
  private removeDir!: () => Promise<void>;
  private dropSchema: (() => Promise<void>) | undefined;
  private starting: Promise<unknown> | undefined;

  /** `node`: the Node.js binary the server and workers run on (this one by default). */
  constructor(private readonly env: Env = {}, private readonly options: { node?: string } = {}) {}

  get url(): string {
    return this.server.url;
  }

  get sharedEnv(): Env {
    return { REDIS_URL: this.redis.url, DATA_DIR: this.dataDir, DATABASE_URL: this.databaseUrl, ...this.env };
  }

  async start(options: { worker?: boolean; serverLogFile?: string } = {}): Promise<this> {
    this.starting = this.startAll(options);
    try {
      await this.starting;
    } catch (err) {
      // uvu reports a failed `before` as a suite that ran nothing, without the reason.
      console.error(`a stack did not start: ${err instanceof Error ? err.stack : String(err)}\n${this.output()}`);
      throw err;
    }
    return this;
  }

  private async startAll(options: { worker?: boolean; serverLogFile?: string }): Promise<void> {
    const dir = await tempDir();
    this.dataDir = dir.path;
    this.removeDir = dir.remove;
    this.databaseUrl = this.env.DATABASE_URL;
    if (onPostgres && this.env.DATABASE_URL === undefined) {
      const schema = await testSchema();
      this.databaseUrl = schema.url;
      this.dropSchema = schema.drop;
    }
    this.redis = await startRedis();
    this.server = await startServer(this.sharedEnv, { logFile: options.serverLogFile, node: this.options.node });
    if (options.worker !== false) await this.startWorker();
  }

  async startWorker(env: Env = {}): Promise<Proc> {
    this.worker = await startWorker({ ...this.sharedEnv, ...env }, { node: this.options.node });
    this.workers.push(this.worker);
    return this.worker;
  }

  /** A worker for a test that needs one, whatever the tests before it stopped or started. */
  async ensureWorker(env: Env = {}): Promise<Proc> {
    return this.worker?.running ? this.worker : this.startWorker(env);
  }

  /** Every worker started, the current one last. */
  readonly workers: Proc[] = [];

  /** Stop Redis (losing everything: it keeps nothing on disk). */
  async stopRedis(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    await this.redis.proc.stop(signal);
  }

  /** Start Redis again on the same port, empty. */
  async startRedisAgain(): Promise<void> {
    this.redis = await startRedis(this.redis.port);
  }

  /**
   * A blob store over this stack's uploads wherever they are: files under DATA_DIR, or
   * rows in the job store (small ones). For tests that look for leftovers or lose one.
   */
  private async withUploads<T>(use: (blobs: import('../packages/core/dist/index.js').BlobStore) => Promise<T>): Promise<T> {
    const { JobStore, LocalBlobStore } = await import('../packages/core/dist/index.js');
    const store = await JobStore.open({ dataDir: this.dataDir, databaseUrl: this.databaseUrl });
    try {
      return await use(store.inlineUploads(new LocalBlobStore(this.dataDir), 0));
    } finally {
      await store.close();
    }
  }

  /** The job ids of the uploads this stack holds (not the temporary files). */
  uploads(): Promise<string[]> {
    return this.withUploads(async (blobs) => (await blobs.list()).map((b) => b.id).sort());
  }

  /** Remove a job's upload wherever it is, as a disk cleaned by hand would. */
  loseUpload(jobId: string): Promise<void> {
    return this.withUploads((blobs) => blobs.delete(jobId));
  }

  /** Everything the processes printed, for a failure message. */
  output(): string {
    return [this.server?.proc, ...this.workers].filter(Boolean).map((p) => `--- ${p!.name}\n${p!.output}`).join('\n');
  }

  async stop(): Promise<void> {
    // A start still under way (another stack of the same suite failed first) would leave
    // processes behind that keep the test file from ever exiting.
    await this.starting?.catch(() => undefined);
    for (const worker of this.workers) await worker.stop();
    await this.server?.proc.stop();
    await this.redis?.proc.stop();
    await this.removeDir?.();
    await this.dropSchema?.();
  }
}
