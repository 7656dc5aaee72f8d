import type { Logger } from './logger.js';

/**
 * Run a task now and then every intervalMs, never two passes at once; a failed pass is
 * logged and the next one runs as usual. The timer does not keep the process alive.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly task: () => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  /** Start; resolves when the first pass has finished. */
  async start(): Promise<void> {
    const first = this.tick();
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
    await first;
  }

  private tick(): Promise<void> {
    this.running ??= this.task()
      .then(
        () => undefined,
        (err: unknown) => this.logger.warn({ err }, `${this.name} failed`),
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /**
   * A pass now, between the timer's: it joins the pass under way, if any (which may
   * have looked before the caller's news; the next tick sees it).
   */
  runNow(): Promise<void> {
    return this.tick();
  }

  /** Stop, after the pass under way (if any) ends. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
