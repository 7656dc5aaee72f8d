import { DepictError } from '@depict/contract';

export interface UploadLimits {
  /** Uploads received at once, by everyone. */
  readonly total: number;
  /** Uploads received at once by one caller (an API key, or an address without keys). */
  readonly perCaller: number;
  /** Bytes uploads may hold in memory at once while they arrive. */
  readonly memoryBytes: number;
}

/** An upload's place, held from its first byte until its answer; release it once. */
export interface UploadSlot {
  release(): void;
}

/** How long a refused client is asked to wait: uploads in flight end within seconds as a rule. */
const RETRY_AFTER_S = 5;

/**
 * Caps on the uploads being received. A client that sends its body slowly holds a
 * connection, a slot and up to a megabyte (REST) or its whole body (tRPC FormData) for
 * as long as UPLOAD_TIMEOUT_MS; without a cap, a thousand of them held a gigabyte. One
 * caller past its share gets 429; the server past its total or its memory gets 503; both
 * before a byte of the body is read.
 */
export class UploadSlots {
  private inFlight = 0;
  private memory = 0;
  private readonly perCaller = new Map<string, number>();

  constructor(private readonly limits: UploadLimits) {}

  /** Take a slot for `caller`, reserving `memoryBytes`; or the refusal to answer with. */
  acquire(caller: string, memoryBytes: number): UploadSlot | DepictError {
    const mine = this.perCaller.get(caller) ?? 0;
    if (mine >= this.limits.perCaller) {
      return new DepictError(
        'too_many_uploads',
        `This caller already has ${mine} uploads in progress, the most allowed (UPLOADS_PER_CALLER). Try again in ${RETRY_AFTER_S} s.`,
        { retryAfterS: RETRY_AFTER_S },
      );
    }
    if (this.inFlight >= this.limits.total || this.memory + memoryBytes > this.limits.memoryBytes) {
      return new DepictError('busy', `The server is receiving as many uploads as it can. Try again in ${RETRY_AFTER_S} s.`, {
        retryAfterS: RETRY_AFTER_S,
      });
    }
    this.inFlight++;
    this.memory += memoryBytes;
    this.perCaller.set(caller, mine + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.inFlight--;
        this.memory -= memoryBytes;
        const left = (this.perCaller.get(caller) ?? 1) - 1;
        if (left === 0) this.perCaller.delete(caller);
        else this.perCaller.set(caller, left);
      },
    };
  }

  /** Uploads being received now (for metrics and tests). */
  get size(): number {
    return this.inFlight;
  }
}
