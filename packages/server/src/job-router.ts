import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { DepictError, JobIdInput, ResultResponse, StatusResponse, SubmitResponse } from '@depict/shared';
import type { AppDeps } from './deps.js';
import { resultView, statusView } from './job-views.js';
import { acceptUpload, cleanFilename } from './submission.js';
import { publicProcedure, router, type Context } from './trpc.js';

/** A job the caller may see: with API keys, another key's job does not exist for it. */
async function findJob(ctx: Context, jobId: string) {
  const job = await ctx.store.get(jobId);
  if (!job || (ctx.owner !== null && job.owner !== ctx.owner)) throw new DepictError('not_found', `No job with id ${jobId}.`);
  return job;
}

/** Write an uploaded File (tRPC FormData) to the blob store's tmp directory. */
async function saveFile(deps: AppDeps, file: File): Promise<string> {
  const tmpPath = path.join(deps.blobs.tmpDir, `trpc-${randomUUID()}`);
  await pipeline(Readable.fromWeb(file.stream() as WebReadableStream<Uint8Array>), createWriteStream(tmpPath));
  return tmpPath;
}

export const jobRouter = router({
  /**
   * Upload one image as FormData (field `file`). REST clients use POST /submit, which
   * streams through multer into the same acceptUpload.
   */
  submit: publicProcedure
    .input(z.instanceof(FormData))
    .output(SubmitResponse)
    .mutation(async ({ ctx, input }) => {
      const files = input.getAll('file').filter((v): v is File => typeof v !== 'string');
      if (files.length === 0) throw new DepictError('no_file', 'Send the image in a form field named "file".');
      if (files.length > 1) throw new DepictError('too_many_files', 'Send one image per request.');
      const file = files[0]!;
      if (file.size > ctx.config.maxUploadBytes) {
        throw new DepictError('too_large', `The file is larger than the ${ctx.config.maxUploadBytes}-byte limit.`);
      }
      const tmpPath = await saveFile(ctx, file);
      return acceptUpload(ctx, { tmpPath, filename: cleanFilename(file.name), byteSize: file.size, owner: ctx.owner, log: ctx.req.log });
    }),

  status: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/status/{job_id}',
        summary: 'The state of a job',
        tags: ['jobs'],
        protect: false,
        errorResponses: { 404: 'No job with that id' },
      },
    })
    .input(JobIdInput)
    .output(StatusResponse)
    .query(async ({ ctx, input }) => statusView(await findJob(ctx, input.job_id))),

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
    .query(async ({ ctx, input }) => resultView(await findJob(ctx, input.job_id))),
});
