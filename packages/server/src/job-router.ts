import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { DeleteResponse, DepictError, JobIdInput, ListInput, ListResponse, ResultResponse, RetryManyInput, RetryManyResponse, StatusResponse, StatsResponse, StatusInput, isTerminal, SubmitResponse } from '@depict/contract';
import { resultView, statusView } from '@depict/core';
import type { AppDeps } from './deps.js';
import { acceptUpload, cleanFilename, idempotencyClaims, submissionFields } from './submission.js';
import { nextChange } from './job-watch.js';
import { receiveFile, tempPathIn, type ReceivedFile } from './upload-storage.js';
import { findOwnedJob } from './owned-job.js';
import { jobStats } from './job-stats.js';
import { checkTokenQuota } from './token-quota.js';
import { fetchImage, parseImageUrl } from './url-fetch.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';
import { publicProcedure, router, uploadProcedure, type Context } from './trpc.js';

/** A job the caller may see (owned-job.ts). */
const findJob = (ctx: Context & { owner: string | null }, jobId: string) => findOwnedJob(ctx.store, ctx.owner, jobId);

/** Take an uploaded File (tRPC FormData) as submit does: in memory when small, else into the blob store's tmp directory. */
async function saveFile(deps: AppDeps, file: File): Promise<ReceivedFile> {
  const source = Readable.fromWeb(file.stream() as WebReadableStream<Uint8Array>);
  return receiveFile(source, tempPathIn(deps.blobs.tmpDir, 'trpc'));
}

export const jobRouter = router({
  /**
   * Upload one image as FormData (field `file`). REST clients use POST /submit, which
   * streams through multer into the same acceptUpload.
   */
  submit: uploadProcedure
    .input(z.instanceof(FormData))
    .output(SubmitResponse)
    .mutation(async ({ ctx, input }) => {
      const files = input.getAll('file').filter((v): v is File => typeof v !== 'string');
      const urls = input.getAll('url');
      if (files.length + urls.length === 0) throw new DepictError('no_file', 'Send the image in a form field named "file", or its address in a field "url".');
      if (files.length + urls.length > 1) throw new DepictError('too_many_files', 'Send one image per request.');
      const file = files[0];
      if (file && file.size > ctx.config.maxUploadBytes) {
        throw new DepictError('too_large', `The file is larger than the ${ctx.config.maxUploadBytes}-byte limit.`);
      }
      const fields = Object.fromEntries([...input.entries()].filter(([name, v]) => typeof v === 'string' && name !== 'url'));
      const asked = await submissionFields(fields, ctx.req.headers['idempotency-key'], ctx.config);
      await checkTokenQuota(ctx, ctx.owner);
      // From here on acceptUpload owns the upload, and removes any temporary file whatever happens.
      const { file: saved, filename } = file
        ? { file: await saveFile(ctx, file), filename: cleanFilename(file.name) }
        : await ctx.urlFetches.run(() => fetchImage(ctx, parseImageUrl(urls[0])));
      return acceptUpload(ctx, {
        file: saved,
        filename,
        owner: ctx.owner,
        options: asked.options,
        idempotency: idempotencyClaims(asked.idempotencyKey, ctx.owner, [saved], asked.options)[0],
        useCache: asked.useCache,
        webhookUrl: asked.webhookUrl,
        log: ctx.req.log,
      });
    }),

  status: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/status/{job_id}',
        successDescription: 'The state of the job, with its attempts.',
        summary: 'The state of a job',
        description: 'With wait=N (seconds, at most 60), answers at the next state change, or after N seconds.',
        tags: ['jobs'],
        protect: false,
        errorResponses: { 404: 'No job with that id' },
      },
    })
    .input(StatusInput)
    .output(StatusResponse)
    .query(async ({ ctx, input, signal }) => {
      let job = await findJob(ctx, input.job_id);
      // Long poll: answer at the next change, or after `wait` seconds with no change.
      if (input.wait && !isTerminal(job.status)) job = (await nextChange(ctx, job, input.wait * 1000, signal)) ?? job;
      return statusView(job, await ctx.store.attemptsOf(job.jobId));
    }),

  result: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/result/{job_id}',
        summary: 'The description, once the job has finished',
        description:
          '200 with the description (done) or the error (failed). While the job is queued or processing: 202 with a Retry-After header.',
        tags: ['jobs'],
        protect: false,
        errorResponses: { 404: 'No job with that id' },
      },
    })
    .input(JobIdInput)
    .output(ResultResponse)
    .query(async ({ ctx, input }) => {
      const job = await findJob(ctx, input.job_id);
      return resultView(job, isTerminal(job.status) ? await ctx.store.attemptsOf(job.jobId) : undefined);
    }),

  list: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/jobs',
        successDescription: 'A page of jobs, newest first.',
        summary: 'Jobs, newest first, a page at a time',
        description: 'Filter by status; pass next_cursor back as cursor for the next page (null on the last).',
        tags: ['jobs'],
        protect: false,
      },
    })
    .input(ListInput)
    .output(ListResponse)
    .query(async ({ ctx, input }) => {
      const after = input.cursor ? decodeCursor(input.cursor) : undefined;
      // One more than asked: whether it exists says if there is a next page.
      const rows = await ctx.store.list({ owner: ctx.owner, status: input.status, limit: input.limit + 1, after });
      const page = rows.slice(0, input.limit);
      const last = page.at(-1);
      return {
        items: page.map((job) => statusView(job)),
        next_cursor: rows.length > input.limit && last ? encodeCursor(last) : null,
      };
    }),

  delete: publicProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/jobs/{job_id}',
        summary: 'Cancel a queued job, or delete a finished one with its data',
        description: '200 with the canceled job; 204 when a finished job was deleted; 409 while it is being processed.',
        tags: ['jobs'],
        protect: false,
        errorResponses: { 404: 'No job with that id', 409: 'The job is being processed' },
      },
    })
    .input(JobIdInput)
    .output(DeleteResponse)
    .mutation(async ({ ctx, input }) => {
      const removal = await ctx.jobs.remove(await findJob(ctx, input.job_id));
      if (removal.outcome === 'busy') {
        throw new DepictError('conflict', `The job is ${removal.status}; a job being processed can be neither canceled nor deleted.`);
      }
      const { job } = removal;
      return removal.outcome === 'canceled'
        ? { job_id: job.jobId, status: 'canceled' as const, deleted: false }
        : { job_id: job.jobId, status: job.status, deleted: true };
    }),

  retry: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/jobs/{job_id}/retry',
        successDescription: 'The job, queued again.',
        summary: 'Queue a failed job again',
        description:
          'A failed job (a dead letter) goes back to queued as a new attempt; its earlier attempts stay in details.attempts. ' +
          '409 for a job that is not failed; 410 once its upload was removed (FAILED_RETENTION_HOURS).',
        tags: ['jobs'],
        protect: false,
        errorResponses: { 404: 'No job with that id', 409: 'The job is not failed', 410: 'The upload is no longer kept' },
      },
    })
    .input(JobIdInput)
    .output(StatusResponse)
    .mutation(async ({ ctx, input }) => {
      const job = await findJob(ctx, input.job_id);
      if (job.status !== 'failed') {
        throw new DepictError('conflict', `The job is ${job.status}; only a failed job can be retried.`);
      }
      const outcome = await ctx.jobs.retry(job.jobId);
      if (outcome === 'upload_gone') throw uploadGone(ctx, job.jobId);
      if (outcome === 'not_failed') {
        const now = (await ctx.store.get(job.jobId))?.status ?? 'gone';
        throw new DepictError('conflict', `The job is ${now}; only a failed job can be retried.`);
      }
      const again = await findJob(ctx, job.jobId);
      return statusView(again, await ctx.store.attemptsOf(job.jobId));
    }),

  retryMany: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/jobs/retry',
        successDescription: 'How many failed jobs were queued again.',
        summary: 'Queue many failed jobs again',
        description:
          'Failed jobs matching the filter (failed since a time, with an error code), oldest first, up to limit. ' +
          'Answers with how many were queued again and how many could not be, their upload being gone.',
        tags: ['jobs'],
        protect: false,
      },
    })
    .input(RetryManyInput)
    .output(RetryManyResponse)
    .mutation(async ({ ctx, input }) => {
      const since = input.since ? new Date(input.since).toISOString() : undefined;
      const failed = await ctx.store.listFailed({ owner: ctx.owner, since, errorCode: input.error_code, limit: input.limit });
      const jobIds: string[] = [];
      let uploadGone = 0;
      for (const job of failed) {
        const outcome = await ctx.jobs.retry(job.jobId);
        if (outcome === 'upload_gone') uploadGone++;
        else if (outcome === 'queued') jobIds.push(job.jobId);
        // not_failed: retried meanwhile by another call
      }
      ctx.req.log?.info({ retried: jobIds.length, upload_gone: uploadGone }, 'failed jobs retried');
      return { retried: jobIds.length, job_ids: jobIds, upload_gone: uploadGone };
    }),

  stats: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/stats',
        successDescription: 'Counts by status, median times, and vision tokens and cost per day.',
        summary: 'Jobs by status, median queue and processing times, and vision tokens and cost per day',
        tags: ['jobs'],
        protect: false,
      },
    })
    .input(z.object({}).optional())
    .output(StatsResponse)
    .query(async ({ ctx }) => {
      return jobStats(ctx.store, ctx.owner, ctx.config.keyDailyTokenLimit);
    }),

  /**
   * Every state change of a job, the current state first, until it is finished:
   * a tRPC subscription, served as Server-Sent Events.
   */
  watch: publicProcedure.input(JobIdInput).subscription(async ({ ctx, input, signal }) => {
    // Looked up before the stream starts, so an unknown id is a NOT_FOUND, not an error inside the stream.
    const first = await findJob(ctx, input.job_id);
    return (async function* () {
      let job = first;
      yield statusView(job);
      while (!isTerminal(job.status) && !signal?.aborted) {
        const next = await nextChange(ctx, job, 15_000, signal);
        if (!next) return;
        if (next.status !== job.status) yield statusView(next);
        job = next;
      }
    })();
  }),
});

function uploadGone(ctx: Context, jobId: string): DepictError {
  const hours = ctx.config.sweep.failedRetentionMs / 3_600_000;
  return new DepictError(
    'upload_gone',
    `The image of job ${jobId} is no longer kept (failed jobs keep it for ${hours} h, FAILED_RETENTION_HOURS), ` +
      'so the job cannot be retried. Submit the image again.',
  );
}

