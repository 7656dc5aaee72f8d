import { z } from 'zod';

/** An unset variable and an empty one mean the same: take the default. */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

function withDefault<T extends z.ZodType>(schema: T, fallback: string) {
  return z.preprocess((v) => (v === undefined || v === '' ? fallback : v), schema);
}

const positiveInt = z.coerce.number().int().positive();

/** A price and the like: unset or empty is undefined, otherwise a number >= 0. */
const optionalNumber = z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().min(0).optional());

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

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * Every variable Depict reads, with its default, in one place; config.ts turns them into
 * the Config the code reads, whose type is inferred from here. The env names are the
 * keys, so a validation error names the variable a person has to fix. What each does
 * is in the README's configuration table and .env.example.
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
  OPENAI_PRICE_INPUT_PER_MTOK: optionalNumber,
  OPENAI_PRICE_OUTPUT_PER_MTOK: optionalNumber,
  KEY_DAILY_TOKEN_LIMIT: z.preprocess((v) => (v === '' ? undefined : v), positiveInt.optional()),
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
  ANALYZER_OBJECTS: withDefault(z.enum(['auto', 'off']), 'auto'),
  URL_FETCH_TIMEOUT_MS: withDefault(positiveInt, '10000'),
  URL_FETCH_ALLOW_PRIVATE: withDefault(z.enum(['true', 'false']), 'false'),
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
  PUBLIC_URL: httpUrl,
  LOG_LEVEL: withDefault(logLevel, 'info'),
  REQUEST_LOG_LEVEL: withDefault(logLevel, 'info'),
});

export type Env = z.infer<typeof EnvSchema>;
