import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import { removeFile } from '@depict/shared';

/** Enough of a file's start to sniff its format and read a PNG's IHDR (which ends at byte 33). */
export const HEAD_BYTES = 64;

/**
 * A file up to this size is also kept whole in memory while it is written, so checking
 * it reads no file back (image-check.ts). 32 such uploads at once hold 32 MB.
 */
export const IN_MEMORY_MAX_BYTES = 1024 * 1024;

/** What was learnt about an upload while its bytes were written, so nothing reads it again. */
export interface ReceivedFile {
  readonly path: string;
  readonly size: number;
  /** Hex SHA-256 of the whole file: the content cache's key. */
  readonly sha256: string;
  /** The first HEAD_BYTES bytes (fewer for a shorter file). */
  readonly head: Buffer;
  /** The whole file, when it is at most IN_MEMORY_MAX_BYTES. */
  readonly bytes?: Buffer | undefined;
}

/**
 * Write a stream to `file`, hashing it and keeping its first bytes (or all of a small
 * file) on the way. Removes the partial file when the stream fails.
 */
export async function receiveFile(source: Readable, file: string): Promise<ReceivedFile> {
  const hash = createHash('sha256');
  const head = Buffer.alloc(HEAD_BYTES);
  // The chunks themselves, not copies, until the file outgrows IN_MEMORY_MAX_BYTES.
  let chunks: Buffer[] | undefined = [];
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (size < HEAD_BYTES) chunk.copy(head, size, 0, HEAD_BYTES - size);
      size += chunk.length;
      if (size > IN_MEMORY_MAX_BYTES) chunks = undefined;
      chunks?.push(chunk);
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, tap, createWriteStream(file));
  } catch (err) {
    await removeFile(file).catch(() => undefined);
    throw err;
  }
  return {
    path: file,
    size,
    sha256: hash.digest('hex'),
    head: head.subarray(0, Math.min(size, HEAD_BYTES)),
    bytes: chunks && (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)),
  };
}

/** A temp file name in `dir` that no client chooses. */
export function tempPathIn(dir: string, prefix: string): string {
  return path.join(dir, `${prefix}-${randomUUID()}`);
}

type MulterFile = Express.Multer.File & Partial<Pick<ReceivedFile, 'sha256' | 'head' | 'bytes'>>;

/**
 * multer's storage for POST /submit: like its disk storage, but each file is hashed and
 * its head kept while it is written, where the disk storage would leave both to a
 * second read of the file.
 */
export class HashingDiskStorage implements StorageEngine {
  constructor(private readonly dir: string) {}

  _handleFile(_req: Request, file: MulterFile, callback: (error?: unknown, info?: Partial<MulterFile>) => void): void {
    // Set before the first byte, so multer can remove the file should it abort meanwhile.
    file.path = tempPathIn(this.dir, 'rest');
    receiveFile(file.stream, file.path).then(
      ({ path: filePath, size, sha256, head, bytes }) => callback(null, { path: filePath, size, sha256, head, bytes }),
      (err: unknown) => callback(err),
    );
  }

  _removeFile(_req: Request, file: MulterFile, callback: (error: Error | null) => void): void {
    removeFile(file.path).then(
      () => callback(null),
      (err: Error) => callback(err),
    );
  }
}
