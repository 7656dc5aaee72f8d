import type { NextFunction, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { DepictError, errorBody, type BatchSubmitResponse } from '@depict/contract';
import { removeFile } from '@depict/core';
import type { AppDeps } from './deps.js';
import { accessOf, ownerScope } from './auth.js';
import { limitKey } from './rate-limit.js';
import type { UploadSlots } from './upload-slots.js';
import { HashingStorage, IN_MEMORY_MAX_BYTES, receivedBy, type ReceivedFile } from './upload-storage.js';
import { acceptUpload, cleanFilename, idempotencyClaims, submissionFields } from './submission.js';
import { checkTokenQuota } from './token-quota.js';

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
export function restSubmit(deps: AppDeps, slots: UploadSlots): RequestHandler[] {
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
    const files = ((req.files as Express.Multer.File[] | undefined) ?? []).map((f) => ({ name: f.originalname, received: receivedBy(f) }));
    // Files handed to acceptUpload are its to remove (or to keep, as a job's upload).
    const handedOver = new Set<ReceivedFile>();
    try {
      if (files.length === 0) {
        throw new DepictError('no_file', 'Send the image as multipart/form-data in a field named "file".');
      }
      const asked = await submissionFields((req.body ?? {}) as Record<string, unknown>, req.headers['idempotency-key'], deps.config);
      const owner = ownerScope(accessOf(res, deps.config.apiKeys));
      const claims = idempotencyClaims(asked.idempotencyKey, owner, files.map((f) => f.received), asked.options);
      const accept = ({ name, received }: (typeof files)[number], index: number) => {
        handedOver.add(received);
        return acceptUpload(deps, {
          file: received,
          filename: cleanFilename(name),
          owner,
          options: asked.options,
          idempotency: claims[index],
          useCache: asked.useCache,
          webhookUrl: asked.webhookUrl,
          log: req.log,
        });
      };
      if (files.length === 1) {
        const accepted = await accept(files[0]!, 0);
        res.status(202).location(accepted.status_url).json(accepted);
        return;
      }
      // Several files: each gets its own job, or its own error; the good ones still run.
      const jobs: BatchSubmitResponse['jobs'] = [];
      for (const [index, file] of files.entries()) {
        try {
          jobs.push(await accept(file, index));
        } catch (err) {
          if (!(err instanceof DepictError)) throw err;
          jobs.push({ filename: cleanFilename(file.name), error: { code: err.code, message: err.message } });
        }
      }
      res.status(202).json({ jobs });
    } catch (err) {
      next(err);
    } finally {
      const left = files.map((f) => f.received).filter((f) => !handedOver.has(f));
      await Promise.all(left.map((f) => (f.path ? removeFile(f.path) : undefined)));
    }
  };

  return [withinQuota, takeSlot, receive, accept];
}
