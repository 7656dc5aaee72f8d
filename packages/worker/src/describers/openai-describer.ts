import { AsyncLocalStorage } from 'node:async_hooks';
import OpenAI from 'openai';
import {
  DepictError,
  DescribeError,
  type Describer,
  type DescribeOptions,
  type Description,
  type ImageInput,
  isJobFailureCode,
  type VisionDetails,
  type VisionMode,
} from '@depict/contract';
import type { BreakerTicket, CircuitBreaker, DecodeLimits } from '@depict/core';
import { prepareImage, type PreparedImage } from './prepare-image.js';
import { UsageTally, type Prices } from './usage.js';
import { modeInstruction, parseAnswer, refusesResponseFormat, responseFormat, weakerMode } from './vision-answer.js';

export { MAX_VISION_SIDE, prepareImage } from './prepare-image.js';

const DESCRIBE_PROMPT_BASE =
  'Describe this image for someone who cannot see it. Say what it shows: the main subject, ' +
  'the setting, notable details, any text you can read (quoted), and the overall mood or style. ' +
  'Be accurate and specific; do not guess at what you cannot see.';

const LENGTH_INSTRUCTION = {
  alt: 'Write alt text: one sentence of at most 125 characters, no preamble.',
  normal: 'Answer in one or two short paragraphs of plain text.',
  detailed: 'Answer in detail, in several paragraphs of plain text: subject, setting, every readable text, colours, composition, mood.',
} as const;

/** The instruction sent with the image: ours, then the job's length, language and extra prompt. */
export function instructionFor(options: DescribeOptions): string {
  const parts = [DESCRIBE_PROMPT_BASE, LENGTH_INSTRUCTION[options.length ?? 'normal']];
  if (options.language) parts.push(`Write the description in the language with BCP 47 tag "${options.language}".`);
  if (options.prompt) parts.push(`Also: ${options.prompt}`);
  return parts.join(' ');
}

export interface OpenAIDescriberOptions {
  readonly apiKey: string;
  readonly model: string;
  readonly baseUrl?: string | undefined;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly maxTokens?: number;
  /** Shared by every worker: while it is open, no call is made. */
  readonly breaker?: CircuitBreaker;
  /** What re-encoding an image may cost (DEFAULT_DECODE_LIMITS when not given). */
  readonly limits?: DecodeLimits;
  /** OPENAI_PRICE_INPUT_PER_MTOK and OPENAI_PRICE_OUTPUT_PER_MTOK, when set: each job's cost in details.usage. */
  readonly prices?: Prices | undefined;
}

/** Answers that say the service is unwell rather than that this request was wrong. */
const isTransientStatus = (status: number | undefined) => status === undefined || status === 408 || status === 429 || status >= 500;

function explain(err: unknown, model: string): DescribeError {
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return new DescribeError('vision_timeout', `The vision API did not answer in time (model ${model}).`, { cause: err, transient: true });
  }
  if (err instanceof OpenAI.APIConnectionError) {
    return new DescribeError('vision_unreachable', `The vision API could not be reached: ${err.message}`, { cause: err, transient: true });
  }
  if (err instanceof OpenAI.APIError) {
    const status = err.status ?? 'no status';
    return new DescribeError('vision_api_error', `The vision API answered ${status}: ${err.message}`, {
      cause: err,
      transient: isTransientStatus(err.status),
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DescribeError('vision_api_error', `The vision API call failed: ${message}`, { cause: err });
}

/** Descriptions from an OpenAI-compatible vision model, through the openai SDK. */
export class OpenAIDescriber implements Describer {
  readonly name = 'openai';
  readonly generatedBy: string;
  private readonly client: OpenAI;
  /** The job's hook to run before each request, the SDK's own retries included. */
  /** The strongest answer format this server has not refused; it only ever steps down. */
  private mode: VisionMode = 'json_schema';
  private readonly requests = new AsyncLocalStorage<{ readonly before?: (() => Promise<void>) | undefined }>();

  constructor(private readonly options: OpenAIDescriberOptions) {
    this.generatedBy = `openai:${options.model}`;
    // One client per process: it keeps its HTTP connections alive between jobs.
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl ?? null,
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries,
      fetch: async (url, init) => {
        await this.requests.getStore()?.before?.();
        return fetch(url, init);
      },
    });
  }

  async describe(image: ImageInput, options: DescribeOptions = {}): Promise<Description> {
    const breaker = this.options.breaker;
    const ticket: BreakerTicket = (await breaker?.allow()) ?? { allowed: true };
    if (!ticket.allowed) {
      const seconds = Math.ceil(ticket.retryAfterMs / 1000);
      throw new DescribeError(
        'vision_breaker_open',
        ticket.state === 'open'
          ? `The vision API failed several times in a row, so calls to it are paused for ${seconds} s more.`
          : 'The vision API failed several times in a row; one test call is checking whether it is back.',
        { retryAfterMs: ticket.retryAfterMs },
      );
    }
    try {
      const description = await this.call(image, options);
      await breaker?.succeeded(ticket);
      return description;
    } catch (err) {
      // Stopped, or failed before the call (the image): says nothing about the service.
      if (options.signal?.aborted || !(err instanceof DescribeError)) await breaker?.abandoned(ticket);
      else if (err.transient) await breaker?.failed(ticket);
      else await breaker?.succeeded(ticket); // it answered: the service is up, this request was the problem
      // Past a decode limit: the same code the server would have refused the upload with.
      if (err instanceof DepictError && isJobFailureCode(err.code)) throw new DescribeError(err.code, err.message, { cause: err });
      throw err;
    }
  }

  private async call(image: ImageInput, options: DescribeOptions): Promise<Description> {
    const prepared = await prepareImage(image.source, image.byteSize, this.options.limits);
    const usage = new UsageTally(this.options.prices);
    let invalidAnswers = 0;
    for (;;) {
      const mode = this.mode;
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await this.request(prepared, options, mode);
      } catch (err) {
        const weaker = weakerMode(mode);
        if (weaker && refusesResponseFormat(err)) {
          // Learnt once per process: the jobs after this one ask the way the server accepts.
          if (this.mode === mode) this.mode = weaker;
          continue;
        }
        throw explain(err, this.options.model);
      }
      usage.add(completion.usage);
      const choice = completion.choices?.[0];
      const text = typeof choice?.message?.content === 'string' ? choice.message.content.trim() : '';
      if (!text) {
        throw new DescribeError('vision_empty_answer', `The vision model ${this.options.model} returned no description.`);
      }
      const answer = mode === 'text' ? null : (parseAnswer(text) ?? null);
      // Invalid JSON is asked for once more; after that the text itself is the description.
      if (mode !== 'text' && !answer && ++invalidAnswers < 2) continue;
      const description = answer ? (options.length === 'alt' ? answer.alt_text : answer.description) : text;
      const vision: VisionDetails = {
        mode,
        answer,
        invalid_answers: invalidAnswers,
        image: { width: prepared.width, height: prepared.height, pixels: prepared.width * prepared.height, bytes: prepared.bytes, detail: options.detail ?? 'auto' },
      };
      return {
        description,
        generatedBy: this.generatedBy,
        details: {
          model: completion.model ?? this.options.model,
          finish_reason: choice?.finish_reason ?? null,
          usage: usage.total(),
          options: { length: options.length ?? 'normal', language: options.language ?? null, detail: options.detail ?? 'auto' },
          vision,
        },
      };
    }
  }

  private request(prepared: PreparedImage, options: DescribeOptions, mode: VisionMode): Promise<OpenAI.Chat.Completions.ChatCompletion> {
    const format = responseFormat(mode);
    const request: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming = {
      model: this.options.model,
      // max_tokens rather than max_completion_tokens: OpenAI-compatible servers
      // (Ollama, vLLM, LM Studio) all understand it. A JSON answer carries the caption,
      // alt text and tags beside the description, so it gets room for them.
      max_tokens: (options.length === 'alt' ? 100 : options.length === 'detailed' ? 1500 : (this.options.maxTokens ?? 600)) + (mode === 'text' ? 0 : 400),
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: [instructionFor(options), modeInstruction(mode)].filter(Boolean).join(' ') },
            { type: 'image_url', image_url: { url: prepared.dataUrl, detail: options.detail ?? 'auto' } },
          ],
        },
      ],
      ...(format ? { response_format: format } : {}),
    };
    return this.requests.run({ before: options.beforeModelCall }, () => this.client.chat.completions.create(request, options.signal ? { signal: options.signal } : {}));
  }
}
