import type { Config, DescribeQueue, JobStore, LocalBlobStore, Logger } from '@depict/shared';

/** The parts the server is built from; tests pass real ones made in a temp directory. */
export interface AppDeps {
  readonly config: Config;
  readonly store: JobStore;
  readonly blobs: LocalBlobStore;
  readonly queue: DescribeQueue;
  readonly logger: Logger;
}
