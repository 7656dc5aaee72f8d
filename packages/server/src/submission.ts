import { createHash } from 'node:crypto';
import { DepictError, IDEMPOTENCY_WINDOW_MS, JobOptions, type SubmitResponse } from '@depict/contract';
import { removeFile, checkWebhookTarget, enqueue, newJobId, type Logger } from '@depict/core';
import { ZodError } from 'zod';
import type { AppDeps } from './deps.js';
import { checkImage } from './image-check.js';
import type { ReceivedFile } from './upload-storage.js';

/** How long a submit waits for Redis before leaving the job to the reconciler. */
const ENQUEUE_WAIT_MS = 2_000;

export interface Upload {
  /**
   * The whole upload, in memory or in a temporary file inside the blob store's tmp
   * directory, with what was learnt while it arrived (upload-storage.ts). acceptUpload
   * owns it from here.
   */
  readonly file: ReceivedFile;
  readonly filename: string | null;
  /** The caller's owner hash (with API keys), or null. */
  readonly owner: string | null;
  readonly options: JobOptions;
  /** The Idempotency-Key's claim for this file, if the request has a key (idempotencyClaims). */
  readonly idempotency?: IdempotencyClaim | undefined;
  /** Reuse a finished description of the same bytes and options (false: cache=false). */
  readonly useCache: boolean;
  /** Where to POST the result when the job ends (already checked). */
  readonly webhookUrl?: string | undefined;
  /** The request's logger, so the job's lines carry the request id. */
  readonly log?: Logger;
}

/** Keep a client's file name for display only: printable, without directories, bounded. */
export function cleanFilename(name: string | undefined | null): string | null {
  if (!name) return null;
  const base = name.replace(/^.*[\\/]/, '');
  // eslint-disable-next-line no-control-regex
  const printable = base.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return printable ? Array.from(printable).slice(0, 255).join('') : null;
}

export function jobLinks(jobId: string) {
  return { status_url: `/status/${jobId}`, result_url: `/result/${jobId}` };
}

/**
 * The one path every upload takes, from REST and tRPC alike: check the bytes, store the
 * blob, record the job, enqueue it. The job store is written before Redis, so a job
 * whose enqueue fails is still accepted and the worker's reconciler queues it later.
 */
export async function acceptUpload(deps: AppDeps, upload: Upload): Promise<SubmitResponse> {
  const { store, blobs } = deps;
  const logger = upload.log ?? deps.logger;
  const { file } = upload;
  let claimedKey: string | undefined;
  let stored = false;
  try {
    const image = await checkImage(file, { limits: deps.config.decodeLimits, gate: deps.proofs });
    const { sha256 } = file;
    const jobId = newJobId();
    const newJob = {
      jobId,
      filename: upload.filename,
      mediaType: image.mediaType,
      byteSize: file.size,
      sha256,
      width: image.width,
      height: image.height,
      owner: upload.owner,
      options: upload.options,
      webhookUrl: upload.webhookUrl ?? null,
    };

    if (upload.idempotency !== undefined) {
      const { scopedKey, requestHash } = upload.idempotency;
      const since = new Date(Date.now() - IDEMPOTENCY_WINDOW_MS).toISOString();
      const prior = await store.claimIdempotencyKey({ scopedKey, requestHash, jobId, since });
      if (prior) {
        if (prior.requestHash !== requestHash) {
          throw new DepictError(
            'idempotency_conflict',
            'This Idempotency-Key was used within the last 24 hours for a different upload or options.',
          );
        }
        const original = await store.get(prior.jobId);
        if (original) {
          logger.info({ job_id: original.jobId }, 'idempotent replay of an earlier submit');
          return { job_id: original.jobId, status: original.status, ...jobLinks(original.jobId) };
        }
        // The original job was deleted since: this submit starts afresh under the key.
        await store.releaseIdempotencyKey(scopedKey);
        if (await store.claimIdempotencyKey({ scopedKey, requestHash, jobId, since })) {
          throw new DepictError('idempotency_conflict', 'Another request is using this Idempotency-Key right now.');
        }
      }
      claimedKey = scopedKey;
    }

    // A cached answer is never processed, so it would never call a webhook.
    if (upload.useCache && !upload.webhookUrl) {
      const cached = await store.findCached(sha256, upload.options, upload.owner);
      if (cached?.description && cached.generatedBy) {
        await store.insertDone(newJob, {
          description: cached.description,
          generatedBy: cached.generatedBy,
          details: { ...(cached.details ?? {}), cached_from: cached.jobId },
        });
        logger.info({ job_id: jobId, cached_from: cached.jobId }, 'job answered from the content cache');
        return { job_id: jobId, status: 'done', ...jobLinks(jobId) };
      }
    }

    if (file.bytes) await blobs.put(jobId, file.bytes);
    else await blobs.adopt(jobId, file.path);
    stored = true;
    try {
      await store.insert(newJob);
    } catch (err) {
      await blobs.delete(jobId);
      throw err;
    }
    claimedKey = undefined;
    await enqueueSoon(deps, jobId, logger);
    logger.info({ job_id: jobId, media_type: image.mediaType, bytes: file.size }, 'job accepted');
    return { job_id: jobId, status: 'queued', ...jobLinks(jobId) };
  } catch (err) {
    // A claimed key whose job was never created must not block a retry.
    if (claimedKey) await store.releaseIdempotencyKey(claimedKey).catch(() => undefined);
    throw err;
  } finally {
    if (!stored && file.path !== undefined) await removeFile(file.path);
  }
}

export async function enqueueSoon(deps: Pick<AppDeps, 'queue'>, jobId: string, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ENQUEUE_WAIT_MS} ms`)), ENQUEUE_WAIT_MS);
  });
  try {
    await Promise.race([deps.queue.get().then((queue) => enqueue(queue, jobId)), timeout]);
  } catch (err) {
    logger.warn({ job_id: jobId, err }, 'enqueue failed; the reconciler will queue this job');
  } finally {
    clearTimeout(timer);
  }
}

/** What a submit's form fields and headers ask for, beside the files; the same for REST and tRPC. */
export interface SubmissionFields {
  readonly options: JobOptions;
  readonly idempotencyKey: string | undefined;
  readonly webhookUrl: string | undefined;
  readonly useCache: boolean;
}

/** Read a submit's form fields and Idempotency-Key header; a bad one is a 400 (a refused callback_url too). */
export async function submissionFields(
  fields: Record<string, unknown>,
  idempotencyHeader: string | string[] | undefined,
  config: AppDeps['config'],
): Promise<SubmissionFields> {
  return {
    options: parseOptions(fields),
    idempotencyKey: idempotencyKeyOf(idempotencyHeader),
    webhookUrl: await webhookUrlOf(fields.callback_url, config),
    useCache: cacheWanted(fields.cache),
  };
}

/** Per-job options from form fields (multipart or tRPC FormData); a bad one is a 400. */
export function parseOptions(fields: Record<string, unknown>): JobOptions {
  const known = Object.fromEntries(
    (['length', 'language', 'prompt', 'detail'] as const).filter((k) => fields[k] !== undefined && fields[k] !== '').map((k) => [k, fields[k]]),
  );
  try {
    return JobOptions.parse(known);
  } catch (err) {
    if (!(err instanceof ZodError)) throw err;
    const reason = err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new DepictError('bad_request', `Invalid option: ${reason}.`, { cause: err });
  }
}

/** What an Idempotency-Key holds for one file: the key as stored, and the hash of the request it was first used with. */
export interface IdempotencyClaim {
  readonly scopedKey: string;
  readonly requestHash: string;
}

/**
 * The claims an Idempotency-Key makes for a request's files, scoped to the caller. One
 * file: the key itself, with the hash of its bytes and options. Several: a key per file
 * ("key#0", "key#1", ...), each with the hash of every file's bytes and the options, so a
 * retried batch answers with the same jobs, even the ones committed before a crash cut
 * the first answer off, and the same key with another batch is a conflict.
 */
export function idempotencyClaims(
  key: string | undefined,
  owner: string | null,
  files: ReadonlyArray<{ readonly sha256: string }>,
  options: JobOptions,
): Array<IdempotencyClaim | undefined> {
  if (key === undefined) return files.map(() => undefined);
  const scope = `${owner ?? ''}:${key}`;
  if (files.length === 1) {
    const requestHash = createHash('sha256').update(files[0]!.sha256).update(JSON.stringify(options)).digest('hex');
    return [{ scopedKey: scope, requestHash }];
  }
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.sha256).update('\n');
  const requestHash = hash.update(JSON.stringify(options)).digest('hex');
  return files.map((_, i) => ({ scopedKey: `${scope}#${i}`, requestHash }));
}

/** The Idempotency-Key header: absent, or a client-chosen string of at most 255 printable characters. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (!key || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new DepictError('bad_request', 'Idempotency-Key must be 1 to 255 printable ASCII characters.');
  }
  return key;
}

/** The `cache` form field: "false" (or "0", "no") asks for a fresh description. */
export function cacheWanted(value: unknown): boolean {
  return !(typeof value === 'string' && /^(false|0|no)$/i.test(value.trim()));
}

/** The `callback_url` form field, checked: webhooks need a secret and a public target. */
export async function webhookUrlOf(value: unknown, config: AppDeps['config']): Promise<string | undefined> {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (!config.webhook.secret) {
    throw new DepictError('bad_request', 'This server sends no webhooks: WEBHOOK_SECRET is not set.');
  }
  const url = value.trim();
  if (url.length > 2000) throw new DepictError('bad_request', 'callback_url is longer than 2000 characters.');
  await checkWebhookTarget(url, config.webhook.allowPrivate);
  return url;
}
