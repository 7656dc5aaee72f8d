import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import { removeFile } from '@depict/shared';

/** Enough of a file's start to sniff its format and read a PNG's size (IHDR ends at byte 24). */
export const HEAD_BYTES = 32;

/** What was learnt about an upload while its bytes were written, so nothing reads it again. */
export interface ReceivedFile {
  readonly path: string;
  readonly size: number;
  /** Hex SHA-256 of the whole file: the content cache's key. */
  readonly sha256: string;
  /** The first HEAD_BYTES bytes (fewer for a shorter file). */
  readonly head: Buffer;
}

/**
 * Write a stream to `file`, hashing it and keeping its first bytes on the way. Removes
 * the partial file when the stream fails.
 */
export async function receiveFile(source: Readable, file: string): Promise<ReceivedFile> {
  const hash = createHash('sha256');
  const head = Buffer.alloc(HEAD_BYTES);
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (size < HEAD_BYTES) chunk.copy(head, size, 0, HEAD_BYTES - size);
      size += chunk.length;
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
  return { path: file, size, sha256: hash.digest('hex'), head: head.subarray(0, Math.min(size, HEAD_BYTES)) };
}

/** A temp file name in `dir` that no client chooses. */
export function tempPathIn(dir: string, prefix: string): string {
  return path.join(dir, `${prefix}-${randomUUID()}`);
}

type MulterFile = Express.Multer.File & Partial<Pick<ReceivedFile, 'sha256' | 'head'>>;

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
      ({ path: filePath, size, sha256, head }) => callback(null, { path: filePath, size, sha256, head }),
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
