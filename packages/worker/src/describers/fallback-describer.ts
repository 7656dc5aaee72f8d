import { DescribeError, type Describer, type DescribeOptions, type Description, type ImageInput, isVisionFailure } from '@depict/contract';
import type { Logger } from '@depict/core';

/**
 * The vision model first; when it keeps failing (after the SDK's own retries), the
 * offline analyzer describes the image instead, and the details say why. A stopped job
 * (time limit, shutdown) is not a vision failure and is not covered up.
 */
export class FallbackDescriber implements Describer {
  readonly name: string;

  constructor(
    private readonly primary: Describer,
    private readonly fallback: Describer,
    private readonly logger: Logger,
  ) {
    this.name = `${primary.name}+${fallback.name}`;
  }

  async describe(image: ImageInput, options: DescribeOptions = {}): Promise<Description> {
    try {
      return await this.primary.describe(image, options);
    } catch (err) {
      if (options.signal?.aborted || !(err instanceof DescribeError) || !isVisionFailure(err.code)) throw err;
      this.logger.warn({ code: err.code, err: err.message }, 'vision API failed; describing offline');
      const result = await this.fallback.describe(image, options);
      return {
        ...result,
        details: { ...result.details, fallback_reason: { code: err.code, message: err.message } },
      };
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close?.(), this.fallback.close?.()]);
  }
}
