import { createReadStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * Uploaded files on local disk, named by job id only (a client's file name never
 * becomes a path). Uploads stream into tmp/ first and are renamed into place, so a
 * blob under its job id is always complete.
 */
export class LocalBlobStore {
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
    if (!/^[A-Za-z0-9-]+$/.test(jobId)) throw new Error(`invalid blob id ${JSON.stringify(jobId)}`);
    return path.join(this.dir, jobId);
  }

  /** Move a finished temporary file into place under the job id. */
  async adopt(jobId: string, tmpPath: string): Promise<void> {
    await rename(tmpPath, this.pathOf(jobId));
  }

  async exists(jobId: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(jobId))).isFile();
    } catch {
      return false;
    }
  }

  read(jobId: string): NodeJS.ReadableStream {
    return createReadStream(this.pathOf(jobId));
  }

  /** Remove a blob; one that is not there is fine. */
  async delete(jobId: string): Promise<void> {
    try {
      await unlink(this.pathOf(jobId));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Every stored blob id (not the temporary files). */
  async list(): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    return entries.filter((e) => e.isFile()).map((e) => e.name);
  }
}
