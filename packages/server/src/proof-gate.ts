import { DepictError } from '@depict/contract';

export interface ProofGateOptions {
  /** Proofs that run at once (PROOF_CONCURRENCY). */
  readonly concurrency: number;
  /** Decode memory the running proofs may hold between them (MAX_DECODE_MB). */
  readonly budgetBytes: number;
  /** Proofs that may wait for their turn (PROOF_QUEUE); past it, a submit is answered 503 at once. */
  readonly queueMax: number;
  /** How long a proof may wait for its turn, and then how long its caller waits for it to end (PROOF_TIMEOUT_S). */
  readonly timeoutMs: number;
}

interface Waiter {
  readonly weight: number;
  readonly start: () => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The turn of each libvips proof that an upload decodes. A decode runs on one of libuv's
 * threads (4 unless UV_THREADPOOL_SIZE says otherwise), which the small uploads' inflate,
 * file system calls and DNS need too: with every thread decoding, another client's
 * 200-byte PNG waited 32 s. So at most `concurrency` proofs run, fewer than the pool has
 * threads (config.ts refuses otherwise), and together they hold at most `budgetBytes`
 * of decode memory, so the server's size stays bounded whatever mix arrives. Others
 * wait in order, a bounded number for a bounded time; past either bound the client is
 * told to come back (503 busy with Retry-After) rather than held.
 *
 * libvips cannot be stopped inside a decode: libjpeg reads every scan of a progressive
 * file, and libpng every pass of an interlaced one, in one call (sharp's timeout() is
 * checked between output tiles, and a proof's output is one tile; measured, it ended a
 * 40 s decode only after it was done). So past the deadline the caller is answered 422
 * too_slow_to_decode, while the decode keeps its turn until it really ends: the bounds
 * above count what is running, not what is still being waited for.
 */
export class ProofGate {
  private running = 0;
  private heldBytes = 0;
  private readonly queue: Waiter[] = [];

  constructor(private readonly options: ProofGateOptions) {}

  /** For /metrics and tests: proofs running, their decode memory, and proofs waiting. */
  get load(): { running: number; heldBytes: number; waiting: number } {
    return { running: this.running, heldBytes: this.heldBytes, waiting: this.queue.length };
  }

  /**
   * Run `proof`, which decodes an image holding about `decodeBytes`, in its turn. Rejects
   * with 503 busy when it cannot start in time, with 422 too_slow_to_decode when it does
   * not end in time, or with the proof's own error.
   */
  async run(decodeBytes: number, proof: () => Promise<void>): Promise<void> {
    const weight = Math.min(decodeBytes, this.options.budgetBytes);
    await this.turn(weight);
    const done = proof().finally(() => this.release(weight));
    // Observed, so a proof that fails after its caller stopped waiting is no unhandled rejection.
    done.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.tooSlow()), this.options.timeoutMs);
    });
    try {
      await Promise.race([done, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private turn(weight: number): Promise<void> {
    if (this.queue.length === 0 && this.fits(weight)) {
      this.take(weight);
      return Promise.resolve();
    }
    if (this.queue.length >= this.options.queueMax) return Promise.reject(this.busy());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        weight,
        start: () => {
          clearTimeout(waiter.timer);
          this.take(weight);
          resolve();
        },
        timer: setTimeout(() => {
          this.queue.splice(this.queue.indexOf(waiter), 1);
          reject(this.busy());
          // It may have been the large one at the head that the others waited behind.
          this.admit();
        }, this.options.timeoutMs),
      };
      this.queue.push(waiter);
    });
  }

  /** Room for one more: a thread, and memory (a proof alone always has room). */
  private fits(weight: number): boolean {
    if (this.running >= this.options.concurrency) return false;
    return this.running === 0 || this.heldBytes + weight <= this.options.budgetBytes;
  }

  private take(weight: number): void {
    this.running += 1;
    this.heldBytes += weight;
  }

  private release(weight: number): void {
    this.running -= 1;
    this.heldBytes -= weight;
    this.admit();
  }

  /** Start waiters in order while the first fits: none overtakes a large one, so none waits forever. */
  private admit(): void {
    while (this.queue.length > 0 && this.fits(this.queue[0]!.weight)) this.queue.shift()!.start();
  }

  private busy(): DepictError {
    const seconds = Math.ceil(this.options.timeoutMs / 1000);
    return new DepictError('busy', `The server is checking as many images as it can; try again in ${seconds} s.`, { retryAfterS: seconds });
  }

  private tooSlow(): DepictError {
    const seconds = Math.ceil(this.options.timeoutMs / 1000);
    return new DepictError(
      'too_slow_to_decode',
      `The image could not be checked within ${seconds} s (PROOF_TIMEOUT_S): decoding it costs more than this server allows.`,
    );
  }
}
