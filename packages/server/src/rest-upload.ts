import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import multer from 'multer';

/** A JSON submit holds URLs and options only. */
const JSON_SUBMIT_MAX_BYTES = 100 * 1024;
import { DepictError, errorBody, type BatchSubmitResponse } from '@depict/contract';
import { removeFile } from '@depict/core';
import type { AppDeps } from './deps.js';
import { accessOf, ownerScope } from './auth.js';
import { limitKey } from './rate-limit.js';
import type { UploadSlots } from './upload-slots.js';
import { HashingStorage, IN_MEMORY_MAX_BYTES, receivedBy, type ReceivedFile } from './upload-storage.js';
import { acceptUpload, cleanFilename, idempotencyClaims, submissionFields } from './submission.js';
import { checkTokenQuota } from './token-quota.js';
import { fetchAll, URL_FETCHES_AT_ONCE, urlsOf, type UrlFetchSlots } from './url-batch.js';
import { fetchImage } from './url-fetch.js';

interface Incoming {
  readonly name: string | null;
  readonly received: ReceivedFile;
}

/** Multer's limit codes, in words a client can act on. */
function fromMulterError(err: multer.MulterError, maxBytes: number, maxFiles: number): DepictError {
  switch (err.code) {
    case 'LIMIT_FILE_SIZE':
      return new DepictError('too_large', `The file is larger than the ${maxBytes}-byte limit (MAX_UPLOAD_MB).`);
    case 'LIMIT_FILE_COUNT':
      return new DepictError('too_many_files', `Send at most ${maxFiles} images per request, each in a field "file" (BATCH_MAX).`);
    case 'LIMIT_UNEXPECTED_FILE':
      return new DepictError('bad_request', `Unexpected file field "${err.field ?? ''}"; send the image in the field "file".`);
    default:
      return new DepictError('bad_request', `The form could not be read: ${err.message}.`);
  }
}

/**
 * POST /submit: multer streams the file into the blob store's tmp directory and stops
 * at MAX_UPLOAD_MB while the bytes arrive, then the upload takes the common path.
 */
export function restSubmit(deps: AppDeps, slots: UploadSlots, urlSlots: UrlFetchSlots): RequestHandler[] {
  const upload = multer({
    storage: new HashingStorage(deps.blobs.tmpDir),
    // Browsers and curl send file names as raw UTF-8, without a charset parameter.
    defParamCharset: 'utf8',
    limits: {
      fileSize: deps.config.maxUploadBytes,
      files: deps.config.batchMax,
      fields: 20,
      fieldSize: 64 * 1024,
      parts: deps.config.batchMax + 20,
    },
  }).array('file', deps.config.batchMax);

  /**
   * A slot before the first byte of the body is read (upload-slots.ts): at most a
   * megabyte of each file stays in memory (upload-storage.ts), so that is what a batch
   * may hold per file. A refused body is left to Node, which discards it unparsed (within
   * the server's request timeout) and keeps the connection: a client still sending reads
   * the refusal rather than a reset.
   */
  const takeSlot: RequestHandler = (req, res, next) => {
    const declared = Number(req.headers['content-length']);
    const inMemoryMax = deps.config.batchMax * IN_MEMORY_MAX_BYTES;
    const memory = Number.isFinite(declared) && declared >= 0 ? Math.min(declared, inMemoryMax) : inMemoryMax;
    const slot = slots.acquire(limitKey(accessOf(res, deps.config.apiKeys), req.ip), memory);
    if (slot instanceof DepictError) {
      next(slot);
      return;
    }
    res.once('close', () => slot.release());
    next();
  };

  /** Before the body is read: a key past its daily tokens sends no upload for nothing. */
  const withinQuota: RequestHandler = (req, res, next) => {
    checkTokenQuota(deps, ownerScope(accessOf(res, deps.config.apiKeys))).then(() => next(), next);
  };

  const receive: RequestHandler = (req, res, next) => {
    // A client that trickles its upload would hold a connection and a temp file forever.
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      const seconds = Math.round(deps.config.uploadTimeoutMs / 1000);
      res.status(408).setHeader('Connection', 'close');
      res.json(errorBody('upload_timeout', `The upload did not arrive within ${seconds} s.`));
      // multer removes the partial file when the request ends in error.
      req.destroy();
    }, deps.config.uploadTimeoutMs);
    upload(req, res, (err: unknown) => {
      clearTimeout(timer);
      if (res.headersSent) return;
      if (err === undefined || err === null) return next();
      if (err instanceof multer.MulterError) return next(fromMulterError(err, deps.config.maxUploadBytes, deps.config.batchMax));
      if (err instanceof DepictError) return next(err);
      // busboy: a malformed body (no boundary, cut short).
      const message = err instanceof Error ? err.message : String(err);
      next(new DepictError('bad_request', `The multipart body could not be read: ${message}.`, { cause: err }));
    });
  };

  const accept = async (req: Request, res: Response, next: NextFunction) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const uploaded: Incoming[] = ((req.files as Express.Multer.File[] | undefined) ?? []).map((f) => ({ name: f.originalname, received: receivedBy(f) }));
    // Files handed to acceptUpload are its to remove (or to keep, as a job's upload).
    const handedOver = new Set<ReceivedFile>();
    const fetched: Incoming[] = [];
    try {
      const urls = urlsOf(body.url);
      if (uploaded.length === 0 && urls.length === 0) {
        throw new DepictError('no_file', 'Send the image as multipart/form-data in a field named "file", or its address in a field "url".');
      }
      if (uploaded.length + urls.length > deps.config.batchMax) {
        throw new DepictError('too_many_files', `Send at most ${deps.config.batchMax} images per request (BATCH_MAX).`);
      }
      const asked = await submissionFields(body, req.headers['idempotency-key'], deps.config);
      const owner = ownerScope(accessOf(res, deps.config.apiKeys));
      // Each URL is fetched before any job is made, so a batch's answer keeps its order.
      const fetches = await fetchAll(urls, (url) => urlSlots.run(() => fetchImage(deps, url)), URL_FETCHES_AT_ONCE);
      for (const outcome of fetches) if (outcome.ok) fetched.push({ name: outcome.value.filename, received: outcome.value.file });
      const items: Array<Incoming | { name: string | null; error: DepictError }> = [
        ...uploaded,
        ...fetches.map((outcome, i) => (outcome.ok ? { name: outcome.value.filename, received: outcome.value.file } : { name: urls[i]!.href, error: outcome.error })),
      ];
      const good = items.filter((item): item is Incoming => 'received' in item);
      const claims = idempotencyClaims(asked.idempotencyKey, owner, good.map((f) => f.received), asked.options);
      const claimOf = new Map(good.map((g, i) => [g.received, claims[i]]));
      const accept = ({ name, received }: Incoming) => {
        handedOver.add(received);
        return acceptUpload(deps, {
          file: received,
          filename: cleanFilename(name),
          owner,
          options: asked.options,
          idempotency: claimOf.get(received),
          useCache: asked.useCache,
          webhookUrl: asked.webhookUrl,
          log: req.log,
        });
      };
      if (items.length === 1) {
        const only = items[0]!;
        if ('error' in only) throw only.error;
        const accepted = await accept(only);
        res.status(202).location(accepted.status_url).json(accepted);
        return;
      }
      // Several images: each gets its own job, or its own error; the good ones still run.
      const jobs: BatchSubmitResponse['jobs'] = [];
      for (const item of items) {
        try {
          if ('error' in item) throw item.error;
          jobs.push(await accept(item));
        } catch (err) {
          if (!(err instanceof DepictError)) throw err;
          jobs.push({ filename: cleanFilename(item.name), error: { code: err.code, message: err.message } });
        }
      }
      res.status(202).json({ jobs });
    } catch (err) {
      next(err);
    } finally {
      const left = [...uploaded, ...fetched].map((f) => f.received).filter((f) => !handedOver.has(f));
      await Promise.all(left.map((f) => (f.path ? removeFile(f.path) : undefined)));
    }
  };

  // POST /submit with a JSON body: {"url": "...", ...options}, or {"url": [...]} for a batch.
  const json = express.json({ limit: JSON_SUBMIT_MAX_BYTES });

  // Without KEY_DAILY_TOKEN_LIMIT there is nothing to look up before the body.
  const quota = deps.config.keyDailyTokenLimit === undefined ? [] : [withinQuota];
  return [...quota, takeSlot, receive, json, accept];
}
