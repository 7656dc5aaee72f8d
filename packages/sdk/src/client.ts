import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createTRPCClient, httpBatchLink, httpLink, httpSubscriptionLink, isNonJsonSerializable, splitLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '@depict/server';
import type * as Api from '@depict/contract';
import { DepictJobFailedError, DepictTimeoutError, toApiError } from './errors.js';

// The public types are the API's zod schemas' types (the router's outputs are built from
// the same schemas, so every method below is checked against the router). The router type
// itself stays private: the published declarations bundle these types alone, so the
// package installs without the server.
export type SubmitResponse = Api.SubmitResponse;
export type StatusResponse = Api.StatusResponse;
export type ResultResponse = Api.ResultResponse;
export type DoneResult = Api.DoneResult;
export type JobStatus = Api.JobStatus;
export type ListResponse = Api.ListResponse;
export type DeleteResponse = Api.DeleteResponse;
export type StatsResponse = Api.StatsResponse;
export type RetryManyResponse = Api.RetryManyResponse;
export type Attempt = Api.Attempt;
/** A done job's details; `analysis` is what the offline analyzer measured. */
export type DoneDetails = Api.DoneDetails;
export type Analysis = Api.Analysis;
/** `details.vision`: the vision model's structured answer, how it was asked for, what was sent. */
export type VisionDetails = Api.VisionDetails;
export type VisionAnswer = Api.VisionAnswer;
/** `details.usage`: tokens of the job's vision calls, and their cost when prices are set. */
export type Usage = Api.Usage;

/** A path on disk, raw bytes, a Blob/File, or a URL the server fetches the image from. */
export type ImageSource = string | Uint8Array | Blob | URL;

export interface DepictClientOptions {
  /** Where the server listens, e.g. http://127.0.0.1:8000. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when the server has API_KEYS. */
  readonly apiKey?: string;
  /** Extra headers on every call. */
  readonly headers?: Record<string, string>;
  /** A fetch implementation; the global one by default. */
  readonly fetch?: typeof fetch;
}

export interface SubmitOptions {
  /** The file name the server records (display only). Defaults to the path's base name. */
  readonly filename?: string;
  /** alt (alt text, at most 125 characters), normal, or detailed. */
  readonly length?: 'alt' | 'normal' | 'detailed';
  /** BCP 47 tag of the language to describe in (the vision model). */
  readonly language?: string;
  /** An extra instruction for the vision model. */
  readonly prompt?: string;
  /** The vision API's image detail. */
  readonly detail?: 'low' | 'high' | 'auto';
  /** false: describe again even if these bytes with these options were described before. */
  readonly cache?: boolean;
}

export interface DescribeOptions extends SubmitOptions {
  /** Give up waiting after this long (the job itself goes on). Default 120 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

async function toBlob(source: Exclude<ImageSource, URL>): Promise<Blob> {
  if (typeof source === 'string') return new Blob([new Uint8Array(await readFile(source))]);
  if (source instanceof Uint8Array) return new Blob([new Uint8Array(source)]);
  return source;
}

function defaultName(source: Exclude<ImageSource, URL>, explicit: string | undefined): string {
  if (explicit) return explicit;
  if (typeof source === 'string') return path.basename(source);
  if (typeof File !== 'undefined' && source instanceof File && source.name) return source.name;
  return 'image';
}

/** A typed client for Depict: its types come from the server's tRPC router. */
export class DepictClient {
  private readonly trpc;

  constructor(options: DepictClientOptions) {
    const url = `${options.baseUrl.replace(/\/+$/, '')}/trpc`;
    const headers = { ...options.headers, ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) };
    const common = {
      url,
      headers,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    };
    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.trpc = createTRPCClient<AppRouter>({
      links: [
        // Watching is a subscription over Server-Sent Events; Node 20 has no EventSource,
        // so the `eventsource` package provides one, and carries our headers.
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({
            url,
            EventSource,
            eventSourceOptions: {
              fetch: (input, init) => fetchImpl(input, { ...init, headers: { ...init?.headers, ...headers } }),
            },
          }),
          // Uploads go as FormData, one per request; everything else may be batched.
          false: splitLink({
            condition: (op) => isNonJsonSerializable(op.input),
            true: httpLink(common),
            false: httpBatchLink(common),
          }),
        }),
      ],
    });
  }

  /** Upload an image (or have the server fetch it, given a URL); resolves once the server has queued it. */
  async submit(source: ImageSource, options: SubmitOptions = {}): Promise<SubmitResponse> {
    const form = new FormData();
    if (source instanceof URL) form.append('url', source.href);
    else form.append('file', await toBlob(source), defaultName(source, options.filename));
    for (const field of ['length', 'language', 'prompt', 'detail'] as const) {
      const value = options[field];
      if (value !== undefined) form.append(field, value);
    }
    if (options.cache === false) form.append('cache', 'false');
    return this.call(() => this.trpc.job.submit.mutate(form));
  }

  /** Jobs newest first; pass `next_cursor` back as `cursor` for the next page. */
  list(query: { status?: JobStatus; limit?: number; cursor?: string } = {}): Promise<ListResponse> {
    return this.call(() => this.trpc.job.list.query(query));
  }

  /** Jobs by status and median queue and processing times. */
  stats(): Promise<StatsResponse> {
    return this.call(() => this.trpc.job.stats.query());
  }

  /** Cancel a queued job, or delete a finished one with its data. */
  delete(jobId: string): Promise<DeleteResponse> {
    return this.call(() => this.trpc.job.delete.mutate({ job_id: jobId }));
  }

  /** Queue a failed job again as a new attempt (its history stays in details.attempts). */
  retry(jobId: string): Promise<StatusResponse> {
    return this.call(() => this.trpc.job.retry.mutate({ job_id: jobId }));
  }

  /** Queue again the failed jobs that match (failed since a time, with an error code), oldest first. */
  retryMany(filter: { since?: string | Date; error_code?: string; limit?: number } = {}): Promise<RetryManyResponse> {
    const { since, ...rest } = filter;
    return this.call(() =>
      this.trpc.job.retryMany.mutate({ ...rest, ...(since ? { since: since instanceof Date ? since.toISOString() : since } : {}) }),
    );
  }

  status(jobId: string): Promise<StatusResponse> {
    return this.call(() => this.trpc.job.status.query({ job_id: jobId }));
  }

  result(jobId: string): Promise<ResultResponse> {
    return this.call(() => this.trpc.job.result.query({ job_id: jobId }));
  }

  /**
   * Wait for a submitted job: the done result, or DepictJobFailedError /
   * DepictTimeoutError. Long-polls the server, so it hears of the end at once.
   */
  async wait(jobId: string, options: Omit<DescribeOptions, 'filename'> = {}): Promise<DoneResult> {
    const timeoutMs = options.timeoutMs ?? 120_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new DepictTimeoutError(jobId, timeoutMs);
      const waitS = Math.max(0, Math.min(25, Math.floor(left / 1000)));
      const status = await this.call(() =>
        this.trpc.job.status.query({ job_id: jobId, wait: waitS }, options.signal ? { signal: options.signal } : {}),
      );
      if (status.status === 'done' || status.status === 'failed' || status.status === 'canceled') {
        const result = await this.result(jobId);
        if (result.status === 'done') return result;
        if (result.status === 'failed') throw new DepictJobFailedError(jobId, result.error.code, result.error.message);
        throw new DepictJobFailedError(jobId, 'canceled', `Job ${jobId} was canceled.`);
      }
      if (waitS === 0) await sleep(Math.min(200, left), options.signal);
    }
  }

  /**
   * Follow a job: `onStatus` hears every state, the current one first; resolves with
   * the last (finished) state. Built on the server's `job.watch` subscription.
   */
  watch(jobId: string, onStatus?: (status: StatusResponse) => void, signal?: AbortSignal): Promise<StatusResponse> {
    return new Promise((resolve, reject) => {
      let last: StatusResponse | undefined;
      const subscription = this.trpc.job.watch.subscribe(
        { job_id: jobId },
        {
          onData: (status) => {
            last = status as StatusResponse;
            onStatus?.(last);
          },
          onError: (err) => reject(toApiError(err)),
          onComplete: () => (last ? resolve(last) : reject(new Error(`watching ${jobId} ended without a state`))),
          ...(signal ? { signal } : {}),
        },
      );
      signal?.addEventListener('abort', () => subscription.unsubscribe(), { once: true });
    });
  }

  /** Submit and wait: the one call most programs need. */
  async describe(source: ImageSource, options: DescribeOptions = {}): Promise<DoneResult> {
    const { job_id } = await this.submit(source, options);
    const timeoutMs = options.timeoutMs ?? 120_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    try {
      await this.watch(job_id, undefined, signal);
    } catch (err) {
      if (timeout.aborted) throw new DepictTimeoutError(job_id, timeoutMs);
      throw err;
    }
    const result = await this.result(job_id);
    if (result.status === 'done') return result;
    if (result.status === 'failed') throw new DepictJobFailedError(job_id, result.error.code, result.error.message);
    throw new DepictJobFailedError(job_id, result.status, `Job ${job_id} ended ${result.status}.`);
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toApiError(err);
    }
  }
}
