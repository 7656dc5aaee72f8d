import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { assertJobId, removeFile, type BlobFile, type BlobStore, type StoredBlob } from './blob-store.js';

export interface S3BlobStoreOptions {
  readonly bucket: string;
  /** Key prefix of every upload, e.g. "uploads/". */
  readonly prefix: string;
  /** An S3-compatible endpoint (MinIO, Ceph, R2...); unset: AWS. */
  readonly endpoint: string | undefined;
  readonly region: string;
  /** Path-style URLs (endpoint/bucket/key), which most S3-compatible servers need. */
  readonly forcePathStyle: boolean;
  /** Unset: the AWS SDK's own chain (AWS_ACCESS_KEY_ID, instance roles...). */
  readonly credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** Local scratch space: uploads in progress, and copies for the describers. */
  readonly tmpDir: string;
}

const isNotFound = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
};

/**
 * Uploads in an S3 bucket, so the server and the workers share no disk: the server puts
 * each finished upload, a worker fetches it into its own scratch directory to describe
 * it, and the object is deleted when the job ends.
 */
export class S3BlobStore implements BlobStore {
  readonly tmpDir: string;
  private readonly client: S3Client;

  constructor(private readonly options: S3BlobStoreOptions) {
    this.tmpDir = options.tmpDir;
    this.client = new S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Checksums only where S3 requires them: S3-compatible servers do not all speak the
      // newer flexible checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async init(): Promise<this> {
    await mkdir(this.tmpDir, { recursive: true });
    return this;
  }

  private key(jobId: string): string {
    assertJobId(jobId);
    return `${this.options.prefix}${jobId}`;
  }

  async adopt(jobId: string, tmpPath: string): Promise<void> {
    const { size } = await stat(tmpPath);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.options.bucket, Key: this.key(jobId), Body: createReadStream(tmpPath), ContentLength: size }),
    );
    await removeFile(tmpPath);
  }

  async put(jobId: string, bytes: Buffer): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.options.bucket, Key: this.key(jobId), Body: bytes, ContentLength: bytes.length }));
  }

  async exists(jobId: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.key(jobId) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async delete(jobId: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(jobId) }));
  }

  async list(): Promise<StoredBlob[]> {
    const blobs: StoredBlob[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: this.options.prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        const id = object.Key?.slice(this.options.prefix.length);
        if (id && !id.includes('/')) blobs.push({ id, modifiedMs: object.LastModified?.getTime() ?? Date.now() });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return blobs;
  }

  async open(jobId: string): Promise<BlobFile> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(jobId) }));
    const file = path.join(this.tmpDir, `get-${jobId}-${randomUUID()}`);
    try {
      await pipeline(object.Body as Readable, createWriteStream(file));
    } catch (err) {
      await removeFile(file);
      throw err;
    }
    return { source: file, release: () => removeFile(file) };
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
  }

  close(): void {
    this.client.destroy();
  }
}
