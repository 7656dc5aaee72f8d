import { unlinkSync, writeFile } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { asDiskError } from './store-errors.js';

/**
 * fs.writeFile with callbacks, as a promise: for a small file it costs about a third less
 * CPU than fs.promises.writeFile, whose FileHandle has its own open, write and close
 * machinery. It runs on every submit.
 */
const writeFileAsync = promisify(writeFile);

/** A stored upload, as the sweeper sees it. */
export interface StoredBlob {
  readonly id: string;
  readonly modifiedMs: number;
}

/**
 * A blob for the describers: a file on this host, or the bytes themselves (a small
 * upload kept in the job store). `release` removes any copy made for it.
 */
export interface BlobFile {
  readonly source: string | Buffer;
  release(): Promise<void>;
}

/**
 * Where uploads live from submit until their job ends: named by job id only (a client's
 * file name never becomes a path or key). A large upload streams into `tmpDir` on this
 * host and is adopted whole; a small one is put from memory. Either way the job's row is
 * written after its blob, so a job's blob is always complete.
 */
export interface BlobStore {
  /** Where uploads in progress are written, on this host. */
  readonly tmpDir: string;
  /** Make tmpDir (and whatever else the store needs). */
  init(): Promise<this>;
  /** Move a finished temporary file into the store under the job id. */
  adopt(jobId: string, tmpPath: string): Promise<void>;
  /**
   * Store a small upload held in memory under the job id. The job's row is written only
   * after this resolves, so a blob cut short by a crash has no job and the sweeper takes it.
   */
  put(jobId: string, bytes: Buffer): Promise<void>;
  exists(jobId: string): Promise<boolean>;
  /** Remove a blob; one that is not there is fine. */
  delete(jobId: string): Promise<void>;
  /** Every stored blob (not the temporary files). */
  list(): Promise<StoredBlob[]>;
  /** The blob as a local file. Rejects when there is no such blob. */
  open(jobId: string): Promise<BlobFile>;
  /** Rejects when the store cannot be reached (for /ready); local disk has nothing to ask. */
  ping?(): Promise<void>;
}

export const isJobId = (id: string) => /^[A-Za-z0-9-]+$/.test(id);

export function assertJobId(id: string): void {
  if (!isJobId(id)) throw new Error(`invalid blob id ${JSON.stringify(id)}`);
}

/**
 * Remove one file; a file already gone is fine. One unlink, where fs.promises.rm would
 * validate, lstat and walk the path as a tree first: this runs on every upload.
 */
export async function removeFile(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Uploads on local disk, in DATA_DIR/uploads: server and workers must share that disk. */
export class LocalBlobStore implements BlobStore {
  readonly dir: string;
  readonly tmpDir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'uploads');
    this.tmpDir = path.join(this.dir, 'tmp');
  }

  async init(): Promise<this> {
    await mkdir(this.tmpDir, { recursive: true });
    return this;
  }

  pathOf(jobId: string): string {
    assertJobId(jobId);
    return path.join(this.dir, jobId);
  }

  async adopt(jobId: string, tmpPath: string): Promise<void> {
    try {
      await rename(tmpPath, this.pathOf(jobId));
    } catch (err) {
      throw asDiskError(err);
    }
  }

  async put(jobId: string, bytes: Buffer): Promise<void> {
    const file = this.pathOf(jobId);
    try {
      // 'wx': a job id names one upload, never an existing file.
      await writeFileAsync(file, bytes, { flag: 'wx' });
    } catch (err) {
      // A full disk leaves the file created and cut short: no part of a refused upload stays.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await removeFile(file).catch(() => undefined);
      throw asDiskError(err);
    }
  }

  async exists(jobId: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(jobId))).isFile();
    } catch {
      return false;
    }
  }

  /**
   * One blocking unlink: a worker deletes an upload per job, and through the thread pool
   * the call costs its main thread several times what the unlink itself does here.
   */
  async delete(jobId: string): Promise<void> {
    try {
      unlinkSync(this.pathOf(jobId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  async list(): Promise<StoredBlob[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    const blobs: StoredBlob[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      try {
        blobs.push({ id: entry.name, modifiedMs: (await stat(path.join(this.dir, entry.name))).mtimeMs });
      } catch {
        // removed meanwhile
      }
    }
    return blobs;
  }

  /** The file itself: nothing to copy, nothing to release. A missing blob fails when read. */
  async open(jobId: string): Promise<BlobFile> {
    return { source: this.pathOf(jobId), release: async () => undefined };
  }
}
