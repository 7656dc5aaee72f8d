import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { DepictError, JobOptions, enqueue, type Logger, type SubmitResponse } from '@depict/shared';
import { ZodError } from 'zod';
import type { AppDeps } from './deps.js';
import { checkImage } from './image-check.js';

/** How long a submit waits for Redis before leaving the job to the reconciler. */
const ENQUEUE_WAIT_MS = 2_000;

export interface Upload {
  /** A complete temporary file inside the blob store's tmp directory. */
  readonly tmpPath: string;
  readonly filename: string | null;
  readonly byteSize: number;
  /** The caller's owner hash (with API keys), or null. */
  readonly owner: string | null;
  readonly options: JobOptions;
  /** The request's logger, so the job's lines carry the request id. */
  readonly log?: Logger;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
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
  try {
    const image = await checkImage(upload.tmpPath, { maxPixels: deps.config.maxImagePixels });
    const sha256 = await sha256Of(upload.tmpPath);
    const jobId = randomUUID();
    await blobs.adopt(jobId, upload.tmpPath);
    try {
      await store.insert({
        jobId,
        filename: upload.filename,
        mediaType: image.mediaType,
        byteSize: upload.byteSize,
        sha256,
        width: image.width,
        height: image.height,
        owner: upload.owner,
        options: upload.options,
      });
    } catch (err) {
      await blobs.delete(jobId);
      throw err;
    }
    await enqueueSoon(deps, jobId, logger);
    logger.info({ job_id: jobId, media_type: image.mediaType, bytes: upload.byteSize }, 'job accepted');
    return { job_id: jobId, status: 'queued', ...jobLinks(jobId) };
  } finally {
    await rm(upload.tmpPath, { force: true });
  }
}

async function enqueueSoon(deps: AppDeps, jobId: string, logger: Logger): Promise<void> {
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
