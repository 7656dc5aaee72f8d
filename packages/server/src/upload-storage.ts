import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import { asDiskError, removeFile } from '@depict/core';

/** Enough of a file's start to sniff its format and read a PNG's IHDR (which ends at byte 33). */
export const HEAD_BYTES = 64;

/**
 * An upload up to this size stays in memory until it is accepted, and is then written
 * once, under its job id; a larger one goes to a temporary file as it arrives. 32 such
 * uploads at once hold 32 MB.
 */
export const IN_MEMORY_MAX_BYTES = 1024 * 1024;

/** What was learnt about an upload while its bytes arrived, so nothing reads it again. */
interface ReceivedFacts {
  readonly size: number;
  /** Hex SHA-256 of the whole file: the content cache's key. */
  readonly sha256: string;
  /** The first HEAD_BYTES bytes (fewer for a shorter file). */
  readonly head: Buffer;
}

/** Where an upload's bytes are: in memory when small, else in a temporary file. */
export type FileBody = { readonly bytes: Buffer; readonly path?: undefined } | { readonly path: string; readonly bytes?: undefined };

/** An upload, whole. */
export type ReceivedFile = ReceivedFacts & FileBody;

/**
 * Take an upload from a stream, hashing it and keeping its first bytes on the way. Up to
 * IN_MEMORY_MAX_BYTES it is kept in memory (the chunks themselves, not copies); past
 * that it is written to `spillPath`, with backpressure. A partial file is removed when
 * the stream fails.
 */
export async function receiveFile(source: Readable, spillPath: string): Promise<ReceivedFile> {
  const hash = createHash('sha256');
  const head = Buffer.alloc(HEAD_BYTES);
  const chunks: Buffer[] = [];
  let size = 0;
  let spill: WriteStream | undefined;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (size < HEAD_BYTES) chunk.copy(head, size, 0, HEAD_BYTES - size);
      size += chunk.length;
      hash.update(chunk);
      if (!spill && size <= IN_MEMORY_MAX_BYTES) {
        chunks.push(chunk);
        continue;
      }
      if (!spill) {
        spill = createWriteStream(spillPath);
        // A write error ends the loop through the source.
        spill.on('error', (err) => source.destroy(err));
        for (const held of chunks.splice(0)) spill.write(held);
      }
      if (!spill.write(chunk)) await once(spill, 'drain');
    }
    if (spill) await finished(spill.end());
  } catch (err) {
    if (spill) {
      spill.destroy();
      await removeFile(spillPath).catch(() => undefined);
    }
    // A full disk is the server's trouble (507), not a malformed upload.
    throw asDiskError(err);
  }
  const facts = { size, sha256: hash.digest('hex'), head: head.subarray(0, Math.min(size, HEAD_BYTES)) };
  if (spill) return { ...facts, path: spillPath };
  return { ...facts, bytes: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) };
}

/** A temp file name in `dir` that no client chooses. */
export function tempPathIn(dir: string, prefix: string): string {
  return path.join(dir, `${prefix}-${randomUUID()}`);
}

type MulterFile = Express.Multer.File & Partial<ReceivedFacts> & { bytes?: Buffer | undefined };

/** The upload HashingStorage left on a multer file: its bytes, or the file it spilled to. */
export function receivedBy(file: Express.Multer.File): ReceivedFile {
  const { size, sha256, head, bytes, path: spilled } = file as MulterFile;
  if (sha256 === undefined || head === undefined) throw new Error('the file was not stored by HashingStorage');
  return bytes ? { size, sha256, head, bytes } : { size, sha256, head, path: spilled };
}

/**
 * multer's storage for POST /submit: small files stay in memory, larger ones go to
 * disk, and each is hashed and its head kept as it arrives (receiveFile), where multer's
 * disk storage would leave both to a second read of the file.
 */
export class HashingStorage implements StorageEngine {
  constructor(private readonly dir: string) {}

  _handleFile(_req: Request, file: MulterFile, callback: (error?: unknown, info?: Partial<MulterFile>) => void): void {
    receiveFile(file.stream, tempPathIn(this.dir, 'rest')).then(
      ({ path: filePath, size, sha256, head, bytes }) => callback(null, { path: filePath, size, sha256, head, bytes }),
      (err: unknown) => callback(err),
    );
  }

  /** multer's cleanup of files already received when a later part of the request fails. */
  _removeFile(_req: Request, file: MulterFile, callback: (error: Error | null) => void): void {
    if (!file.path) return callback(null);
    removeFile(file.path).then(
      () => callback(null),
      (err: Error) => callback(err),
    );
  }
}
