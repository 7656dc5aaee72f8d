import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';
import { z } from 'zod';
import type { DecodeLimits } from './decode-limits.js';

/**
 * The repository root: this file lives in packages/shared/{src,dist}/, so three levels
 * up, in a checkout and in the container image alike.
 */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** An unset variable and an empty one mean the same: take the default. */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

function withDefault<T extends z.ZodType>(schema: T, fallback: string) {
  return z.preprocess((v) => (v === undefined || v === '' ? fallback : v), schema);
}

const positiveInt = z.coerce.number().int().positive();

const redisUrl = z
  .string()
  .refine((v) => /^rediss?:\/\//.test(v), 'must start with redis:// or rediss://');

const databaseUrl = optionalString.refine(
  (v) => v === undefined || /^postgres(ql)?:\/\//.test(v),
  'must be a postgres:// URL (leave unset for SQLite in DATA_DIR)',
);

const httpUrl = optionalString.refine(
  (v) => v === undefined || /^https?:\/\//.test(v),
  'must be an http:// or https:// URL',
);

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * Every variable Depict reads, with its default, in one place. The env names are the
 * keys, so a validation error names the variable a person has to fix.
 */
export const EnvSchema = z.object({
  PORT: withDefault(z.coerce.number().int().min(0).max(65535), '8000'),
  HOST: withDefault(z.string(), '127.0.0.1'),
  REDIS_URL: withDefault(redisUrl, 'redis://127.0.0.1:6379'),
  QUEUE_PREFIX: withDefault(z.string().regex(/^[A-Za-z0-9:_.-]+$/, 'letters, digits and : _ . - only'), 'depict'),
  DATA_DIR: withDefault(z.string(), './data'),
  DATABASE_URL: databaseUrl,
  STORE_TIMEOUT_MS: withDefault(positiveInt, '2000'),
  S3_BUCKET: optionalString,
  S3_ENDPOINT: httpUrl,
  S3_REGION: withDefault(z.string().min(1), 'us-east-1'),
  S3_FORCE_PATH_STYLE: withDefault(z.enum(['true', 'false']), 'false'),
  S3_PREFIX: withDefault(z.string().regex(/^([A-Za-z0-9._-]+\/)*$/, 'empty, or path segments each ending in /'), 'uploads/'),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  MAX_UPLOAD_MB: withDefault(z.coerce.number().positive().max(1024), '20'),
  INLINE_UPLOAD_KB: withDefault(z.coerce.number().int().min(0).max(1024), '64'),
  BATCH_MAX: withDefault(z.coerce.number().int().min(1).max(1000), '20'),
  UPLOAD_TIMEOUT_MS: withDefault(positiveInt, '120000'),
  MAX_IMAGE_PIXELS: withDefault(positiveInt, String(100_000_000)),
  MAX_JPEG_SCANS: withDefault(positiveInt, '100'),
  MAX_DECODE_MB: withDefault(z.coerce.number().positive().max(65_536), '256'),
  PROOF_CONCURRENCY: withDefault(positiveInt, '2'),
  PROOF_QUEUE: withDefault(z.coerce.number().int().min(0).max(10_000), '32'),
  PROOF_TIMEOUT_S: withDefault(z.coerce.number().int().min(1).max(3600), '10'),
  OPENAI_API_KEY: optionalString,
  OPENAI_VISION_MODEL: withDefault(z.string().min(1), 'gpt-4o-mini'),
  OPENAI_BASE_URL: httpUrl,
  OPENAI_TIMEOUT_MS: withDefault(positiveInt, '60000'),
  OPENAI_MAX_RETRIES: withDefault(z.coerce.number().int().min(0).max(10), '2'),
  OPENAI_FALLBACK: withDefault(z.enum(['analyzer', 'fail']), 'analyzer'),
  VISION_BREAKER_FAILURES: withDefault(z.coerce.number().int().min(0).max(10_000), '5'),
  VISION_BREAKER_COOLDOWN_S: withDefault(z.coerce.number().positive().max(86_400), '30'),
  WORKER_METRICS_PORT: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65535).optional()),
  WORKER_CONCURRENCY: withDefault(z.coerce.number().int().min(1).max(1024), '4'),
  JOB_TIMEOUT_MS: withDefault(positiveInt, '180000'),
  JOB_LEASE_MS: withDefault(z.coerce.number().int().min(300), '30000'),
  MAX_ATTEMPTS: withDefault(z.coerce.number().int().min(1).max(100), '3'),
  SHUTDOWN_GRACE_MS: withDefault(z.coerce.number().int().min(0), '30000'),
  SWEEP_INTERVAL_MS: withDefault(positiveInt, '300000'),
  RETENTION_DAYS: withDefault(z.coerce.number().min(0), '30'),
  FAILED_RETENTION_HOURS: withDefault(z.coerce.number().min(0), '72'),
  ORPHAN_UPLOAD_MS: withDefault(z.coerce.number().int().min(0), '3600000'),
  RECONCILE_INTERVAL_MS: withDefault(positiveInt, '15000'),
  RECONCILE_GRACE_MS: withDefault(z.coerce.number().int().min(0), '10000'),
  ANALYZER_OCR: withDefault(z.enum(['auto', 'on', 'off']), 'auto'),
  ANALYZER_REVEAL_GPS: withDefault(z.enum(['true', 'false']), 'false'),
  WEBHOOK_SECRET: optionalString,
  WEBHOOK_ALLOW_PRIVATE: withDefault(z.enum(['true', 'false']), 'false'),
  WEBHOOK_RETRY_DELAYS_S: withDefault(
    z.string().regex(/^\s*\d+(\s*,\s*\d+)*\s*$/, 'a comma-separated list of whole seconds, such as 1,5,30'),
    '1,5,30,120,600',
  ),
  API_KEYS: optionalString,
  RATE_LIMIT_POINTS: withDefault(z.coerce.number().int().min(0), '6000'),
  RATE_LIMIT_WINDOW_S: withDefault(positiveInt, '60'),
  AUTH_FAILURE_LIMIT: withDefault(z.coerce.number().int().min(0), '20'),
  METRICS_KEY: optionalString,
  ALLOWED_HOSTS: optionalString,
  UPLOADS_IN_FLIGHT: withDefault(z.coerce.number().int().min(1), '128'),
  UPLOADS_PER_CALLER: withDefault(z.coerce.number().int().min(1), '32'),
  UPLOAD_MEMORY_MB: withDefault(z.coerce.number().positive(), '256'),
  CORS_ORIGINS: optionalString,
  LOG_LEVEL: withDefault(logLevel, 'info'),
});

export type Env = z.infer<typeof EnvSchema>;

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly redisUrl: string;
  readonly queuePrefix: string;
  /** Absolute. */
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  /** A job store query (or getting a connection) that takes longer fails as store_unavailable. */
  readonly storeTimeoutMs: number;
  /** Uploads in an S3 bucket instead of DATA_DIR/uploads; unset: local disk. */
  readonly s3:
    | {
        readonly bucket: string;
        readonly endpoint: string | undefined;
        readonly region: string;
        readonly forcePathStyle: boolean;
        readonly prefix: string;
        readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
      }
    | undefined;
  readonly maxUploadBytes: number;
  /** Uploads up to this size are kept in the job store until their job ends; 0: none. */
  readonly inlineUploadBytes: number;
  /** What one decode may cost, checked from the file's structure before anything decodes it. */
  readonly decodeLimits: DecodeLimits;
  /**
   * The server's proofs that an upload decodes: at most `concurrency` at once, holding at
   * most decodeLimits.maxDecodeBytes between them; `queueMax` more wait their turn, each
   * for up to `timeoutMs`, and then get 503 busy; a proof that runs longer is answered
   * 422 too_slow_to_decode.
   */
  readonly proofs: { readonly concurrency: number; readonly queueMax: number; readonly timeoutMs: number };
  /** Files one POST /submit may carry. */
  readonly batchMax: number;
  /** An upload that has not arrived whole after this long is cut off (408). */
  readonly uploadTimeoutMs: number;
  readonly openai: {
    readonly apiKey: string | undefined;
    readonly model: string;
    readonly baseUrl: string | undefined;
    readonly timeoutMs: number;
    readonly maxRetries: number;
    /** What happens when the vision API keeps failing: describe offline, or fail the job. */
    readonly fallback: 'analyzer' | 'fail';
    /**
     * The circuit breaker around the vision API: after `failures` transient failures in
     * a row (0: never) no calls are made for `cooldownMs`, then one probe call decides.
     */
    readonly breaker: { readonly failures: number; readonly cooldownMs: number };
  };
  readonly workerConcurrency: number;
  /** Where a worker serves its Prometheus /metrics (on HOST); unset: it does not. */
  readonly workerMetricsPort: number | undefined;
  readonly jobs: {
    /** A job still processing after this long is stopped and failed. */
    readonly timeoutMs: number;
    /** A worker renews its hold on a job this often (a third of it); a dead worker's job is free after it. */
    readonly leaseMs: number;
    /** Deliveries before a job that never finishes (it kills its worker) is failed. */
    readonly maxAttempts: number;
    /** SIGTERM waits this long for jobs in flight, then hands the rest back. */
    readonly shutdownGraceMs: number;
  };
  /**
   * Finished jobs older than retentionDays are deleted with their data (0: kept forever).
   * A failed job's upload is kept failedRetentionMs so it can be retried (0: removed at once).
   */
  readonly sweep: {
    readonly intervalMs: number;
    readonly orphanUploadMs: number;
    readonly retentionDays: number;
    readonly failedRetentionMs: number;
  };
  readonly analyzer: { readonly ocr: 'auto' | 'on' | 'off'; readonly revealGps: boolean };
  readonly reconcile: { readonly intervalMs: number; readonly graceMs: number };
  /** Signs webhooks (Standard Webhooks); `whsec_`-prefixed base64, or any string. Unset: webhooks are refused. */
  readonly webhook: {
    readonly secret: string | undefined;
    readonly allowPrivate: boolean;
    /** Waits before the 2nd, 3rd, ... attempt; their count + 1 is the most attempts. */
    readonly retryDelaysMs: readonly number[];
  };
  /** Empty: no authentication. Otherwise every API call needs one of these as a Bearer token. */
  readonly apiKeys: readonly string[];
  /** Requests per window per API key (or per client address without keys); 0 turns it off. */
  readonly rateLimit: { readonly points: number; readonly windowS: number };
  /** Failed authentications per address per minute before it is refused for the rest of the minute; 0: no limit. */
  readonly authFailureLimit: number;
  /** The Bearer token /metrics takes; unset: /metrics is open without API keys and closed with them. */
  readonly metricsKey: string | undefined;
  /** Host names the server answers for (the Host header, or an absolute-form target's); '*': any. */
  readonly allowedHosts: readonly string[] | '*';
  /** Caps on uploads being received: in all, per caller, and the memory they may hold. */
  readonly uploads: { readonly total: number; readonly perCaller: number; readonly memoryBytes: number };
  /** Origins allowed to call the API from a browser; empty: none (same origin only). */
  readonly corsOrigins: readonly string[];
  readonly logLevel: z.infer<typeof logLevel>;
}

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
  return {
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    queuePrefix: e.QUEUE_PREFIX,
    dataDir: path.resolve(cwd, e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    storeTimeoutMs: e.STORE_TIMEOUT_MS,
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
    inlineUploadBytes: e.INLINE_UPLOAD_KB * 1024,
    decodeLimits: {
      maxPixels: e.MAX_IMAGE_PIXELS,
      maxJpegScans: e.MAX_JPEG_SCANS,
      maxDecodeBytes: Math.floor(e.MAX_DECODE_MB * 1024 * 1024),
    },
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
    },
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerMetricsPort: e.WORKER_METRICS_PORT,
    jobs: {
      timeoutMs: e.JOB_TIMEOUT_MS,
      leaseMs: e.JOB_LEASE_MS,
      maxAttempts: e.MAX_ATTEMPTS,
      shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    },
    sweep: {
      intervalMs: e.SWEEP_INTERVAL_MS,
      orphanUploadMs: e.ORPHAN_UPLOAD_MS,
      retentionDays: e.RETENTION_DAYS,
      failedRetentionMs: Math.round(e.FAILED_RETENTION_HOURS * 3_600_000),
    },
    analyzer: { ocr: e.ANALYZER_OCR, revealGps: e.ANALYZER_REVEAL_GPS === 'true' },
    reconcile: { intervalMs: e.RECONCILE_INTERVAL_MS, graceMs: e.RECONCILE_GRACE_MS },
    webhook: {
      secret: e.WEBHOOK_SECRET,
      allowPrivate: e.WEBHOOK_ALLOW_PRIVATE === 'true',
      retryDelaysMs: e.WEBHOOK_RETRY_DELAYS_S.split(',').map((s) => Number(s.trim()) * 1000),
    },
    apiKeys: splitList(e.API_KEYS),
    rateLimit: { points: e.RATE_LIMIT_POINTS, windowS: e.RATE_LIMIT_WINDOW_S },
    authFailureLimit: e.AUTH_FAILURE_LIMIT,
    metricsKey: e.METRICS_KEY,
    allowedHosts: allowedHosts(e),
    uploads: { total: e.UPLOADS_IN_FLIGHT, perCaller: e.UPLOADS_PER_CALLER, memoryBytes: Math.floor(e.UPLOAD_MEMORY_MB * 1024 * 1024) },
    corsOrigins: splitList(e.CORS_ORIGINS),
    logLevel: e.LOG_LEVEL,
  };
}

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
