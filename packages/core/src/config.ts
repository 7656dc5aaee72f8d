import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';
import type { DecodeLimits } from './decode-limits.js';
import { EnvSchema, type Env } from './config-schema.js';

export { EnvSchema, type Env } from './config-schema.js';

/**
 * The repository root: this file lives in packages/core/{src,dist}/, so three levels
 * up, in a checkout and in the container image alike.
 */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');


const splitList = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

/** Addresses that mean "every interface", which no client names in its Host header. */
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * ALLOWED_HOSTS, or its default: any host with API keys (the keys protect the API),
 * and without keys only the names of this machine's loopback and the bound address, so
 * a web page elsewhere cannot reach the API by rebinding its own name to this server.
 */
function allowedHosts(e: Env): readonly string[] | '*' {
  const listed = splitList(e.ALLOWED_HOSTS);
  if (listed.includes('*')) return '*';
  if (listed.length > 0) return listed;
  if (splitList(e.API_KEYS).length > 0) return '*';
  return ['localhost', '127.0.0.1', '[::1]', ...(WILDCARD_HOSTS.has(e.HOST) ? [] : [e.HOST])];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validate an environment (no I/O): the pure half of loadConfig. */
export function parseConfig(env: Record<string, string | undefined>, cwd = process.cwd()): Config {
  return toConfig(validEnv(env), cwd);
}

/** The environment checked against EnvSchema, with errors that name each variable. */
function validEnv(env: Record<string, string | undefined>): Env {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const value = env[name];
      return `  ${name}=${value === undefined ? '(unset)' : JSON.stringify(value)}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  // Proofs run on libuv's thread pool; taking every thread would leave none for the
  // small uploads' inflate, file system calls and DNS, which then wait behind them.
  const threadPool = Number(env.UV_THREADPOOL_SIZE ?? 4) || 4;
  if (e.PROOF_CONCURRENCY >= threadPool) {
    throw new ConfigError(
      `Invalid configuration:\n  PROOF_CONCURRENCY=${JSON.stringify(String(e.PROOF_CONCURRENCY))}: must be below UV_THREADPOOL_SIZE (${threadPool}), so proofs never take every thread`,
    );
  }
  if ((e.OPENAI_PRICE_INPUT_PER_MTOK === undefined) !== (e.OPENAI_PRICE_OUTPUT_PER_MTOK === undefined)) {
    throw new ConfigError(
      'Invalid configuration:\n  OPENAI_PRICE_INPUT_PER_MTOK and OPENAI_PRICE_OUTPUT_PER_MTOK: set both (a cost needs both prices) or neither',
    );
  }
  return e;
}

/** What the code reads: the variables grouped by what they configure, in the units the code uses. */
function toConfig(e: Env, cwd: string) {
  return {
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    dataDir: path.resolve(cwd, e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    /** A job store query (or getting a connection) that takes longer fails as store_unavailable. */
    storeTimeoutMs: e.STORE_TIMEOUT_MS,
    /** Uploads in an S3 bucket instead of DATA_DIR/uploads; undefined: local disk. */
    s3: e.S3_BUCKET
      ? {
          bucket: e.S3_BUCKET,
          endpoint: e.S3_ENDPOINT,
          region: e.S3_REGION,
          forcePathStyle: e.S3_FORCE_PATH_STYLE === 'true',
          prefix: e.S3_PREFIX,
          credentials:
            e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
              ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY }
              : undefined,
        }
      : undefined,
    maxUploadBytes: Math.floor(e.MAX_UPLOAD_MB * 1024 * 1024),
    /** Uploads up to this size are kept in the job store until their job ends; 0: none. */
    inlineUploadBytes: e.INLINE_UPLOAD_KB * 1024,
    decodeLimits: {
      maxPixels: e.MAX_IMAGE_PIXELS,
      maxJpegScans: e.MAX_JPEG_SCANS,
      maxDecodeBytes: Math.floor(e.MAX_DECODE_MB * 1024 * 1024),
    },
    /**
     * The server's proofs that an upload decodes: at most `concurrency` at once, holding at
     * most decodeLimits.maxDecodeBytes between them; `queueMax` more wait, each up to
     * `timeoutMs`, then 503 busy; a proof that runs longer is 422 too_slow_to_decode.
     */
    proofs: { concurrency: e.PROOF_CONCURRENCY, queueMax: e.PROOF_QUEUE, timeoutMs: e.PROOF_TIMEOUT_S * 1000 },
    uploadTimeoutMs: e.UPLOAD_TIMEOUT_MS,
    batchMax: e.BATCH_MAX,
    openai: {
      apiKey: e.OPENAI_API_KEY,
      model: e.OPENAI_VISION_MODEL,
      baseUrl: e.OPENAI_BASE_URL,
      timeoutMs: e.OPENAI_TIMEOUT_MS,
      maxRetries: e.OPENAI_MAX_RETRIES,
      fallback: e.OPENAI_FALLBACK,
      breaker: { failures: e.VISION_BREAKER_FAILURES, cooldownMs: Math.round(e.VISION_BREAKER_COOLDOWN_S * 1000) },
      /** US dollars per million tokens; undefined: results carry tokens but no cost. */
      prices:
        e.OPENAI_PRICE_INPUT_PER_MTOK !== undefined && e.OPENAI_PRICE_OUTPUT_PER_MTOK !== undefined
          ? { inputPerMTok: e.OPENAI_PRICE_INPUT_PER_MTOK, outputPerMTok: e.OPENAI_PRICE_OUTPUT_PER_MTOK }
          : undefined,
    },
    /** Tokens a key may spend per UTC day before submits get 429 quota_exceeded; undefined: no limit. */
    keyDailyTokenLimit: e.KEY_DAILY_TOKEN_LIMIT,
    workerConcurrency: e.WORKER_CONCURRENCY,
    /** Where a worker serves its Prometheus /metrics (on HOST); undefined: it does not. */
    workerMetricsPort: e.WORKER_METRICS_PORT,
    jobs: {
      timeoutMs: e.JOB_TIMEOUT_MS,
      leaseMs: e.JOB_LEASE_MS,
      maxAttempts: e.MAX_ATTEMPTS,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
    /** Finished jobs older than retentionDays go with their data (0: kept); a failed job's upload is kept failedRetentionMs for a retry. */
    sweep: {
      intervalMs: e.SWEEP_INTERVAL_MS,
      orphanUploadMs: e.ORPHAN_UPLOAD_MS,
      retentionDays: e.RETENTION_DAYS,
      failedRetentionMs: Math.round(e.FAILED_RETENTION_HOURS * 3_600_000),
    },
    /** objects: auto names objects and counts people with the models shipped in @vladmandic/human; off loads none. */
    analyzer: { ocr: e.ANALYZER_OCR, revealGps: e.ANALYZER_REVEAL_GPS === 'true', objects: e.ANALYZER_OBJECTS },
    reconcile: { intervalMs: e.RECONCILE_INTERVAL_MS, graceMs: e.RECONCILE_GRACE_MS },
    /** Images named by URL at submit: the whole fetch within timeoutMs; private addresses only when allowed. */
    urlFetch: { timeoutMs: e.URL_FETCH_TIMEOUT_MS, allowPrivate: e.URL_FETCH_ALLOW_PRIVATE === 'true' },
    webhook: {
      secret: e.WEBHOOK_SECRET,
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE === 'true',
      /** Waits before the 2nd, 3rd, ... attempt; their count + 1 is the most attempts. */
      retryDelaysMs: e.WEBHOOK_RETRY_DELAYS_S.split(',').map((s) => Number(s.trim()) * 1000),
    },
    /** Empty: no authentication. Otherwise every API call needs one of these as a Bearer token. */
    apiKeys: splitList(e.API_KEYS),
    rateLimit: { points: e.RATE_LIMIT_POINTS, windowS: e.RATE_LIMIT_WINDOW_S },
    authFailureLimit: e.AUTH_FAILURE_LIMIT,
    metricsKey: e.METRICS_KEY,
    /** Host names the server answers for (the Host header, or an absolute-form target's); '*': any. */
    allowedHosts: allowedHosts(e),
    uploads: { total: e.UPLOADS_IN_FLIGHT, perCaller: e.UPLOADS_PER_CALLER, memoryBytes: Math.floor(e.UPLOAD_MEMORY_MB * 1024 * 1024) },
    corsOrigins: splitList(e.CORS_ORIGINS),
    /** The address clients reach the server at (behind a proxy, say), for /openapi.json's servers; unset: the request's own origin. */
    publicUrl: e.PUBLIC_URL,
    logLevel: e.LOG_LEVEL,
    /** The level of the server's line per answered request (errors and 503s keep theirs); npm start uses debug. */
    requestLogLevel: e.REQUEST_LOG_LEVEL,
  } as const;
}

/** The configuration every process runs with; its type comes from EnvSchema through toConfig. */
export type Config = DeepReadonly<ReturnType<typeof toConfig>>;

type DeepReadonly<T> = T extends (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** The limits of an unconfigured deployment, for code that decodes outside a configured process. */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = parseConfig({}).decodeLimits;

/**
 * Read `.env` at the repository root (variables already set in the environment win),
 * then validate. DEPICT_ENV_FILE points at another file instead.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const envFile = env.DEPICT_ENV_FILE ?? path.join(REPO_ROOT, '.env');
  if (existsSync(envFile)) {
    dotenv.config({ path: envFile, processEnv: env, quiet: true });
  }
  return parseConfig(env);
}

/** For entry points: a bad configuration ends the process with a message, not a stack. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`depict: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
