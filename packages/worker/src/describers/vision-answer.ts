import OpenAI from 'openai';
import { ALT_TEXT_LIMIT, CONTENT_FLAGS, VisionAnswerSchema, type VisionAnswer, type VisionMode } from '@depict/contract';

/**
 * The answer's shape as JSON Schema for `response_format: json_schema` with `strict: true`.
 * Strict mode wants every property required and no others, so it is written out here
 * rather than generated; VisionAnswerSchema (zod) checks what comes back.
 */
export const ANSWER_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['caption', 'alt_text', 'description', 'tags', 'objects', 'text', 'people', 'content_flags'],
  properties: {
    caption: { type: 'string', description: 'One sentence saying what the image shows.' },
    alt_text: { type: 'string', description: `Alt text for the image, at most ${ALT_TEXT_LIMIT} characters.` },
    description: { type: 'string', description: 'The description, as long as the instructions ask.' },
    tags: { type: 'array', items: { type: 'string' }, description: 'Up to 10 short labels, most important first.' },
    objects: {
      type: 'array',
      description: 'Things in the image and how many of each.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'count'],
        properties: { name: { type: 'string' }, count: { type: 'integer' } },
      },
    },
    text: { type: ['string', 'null'], description: 'Text written in the image, verbatim; null when there is none.' },
    people: { type: 'integer', description: 'How many people are visible.' },
    content_flags: {
      type: 'array',
      items: { type: 'string', enum: [...CONTENT_FLAGS] },
      description: 'adult and/or violence when the image shows such content, otherwise ["none"].',
    },
  },
} as const;

/** The request's `response_format` for a mode; none in text mode. */
export function responseFormat(mode: VisionMode): OpenAI.Chat.Completions.ChatCompletionCreateParams['response_format'] {
  if (mode === 'json_schema') {
    return { type: 'json_schema', json_schema: { name: 'image_description', strict: true, schema: ANSWER_JSON_SCHEMA } };
  }
  if (mode === 'json_object') return { type: 'json_object' };
  return undefined;
}

/** What the instruction adds in each mode: JSON mode has no schema of its own, so it goes in the prompt. */
export function modeInstruction(mode: VisionMode): string | undefined {
  if (mode === 'json_schema') return 'Answer with the JSON object the response format describes; write the description in its "description" field.';
  if (mode === 'json_object') {
    return `Answer with one JSON object and nothing else, matching this JSON Schema: ${JSON.stringify(ANSWER_JSON_SCHEMA)}. Write the description in its "description" field.`;
  }
  return undefined;
}

/** The next mode to try when a server refuses this one; undefined after plain text. */
export function weakerMode(mode: VisionMode): VisionMode | undefined {
  return mode === 'json_schema' ? 'json_object' : mode === 'json_object' ? 'text' : undefined;
}

/** A 400 that is about the response format: the server cannot do this mode, not a bad image. */
export function refusesResponseFormat(err: unknown): boolean {
  if (!(err instanceof OpenAI.APIError) || err.status !== 400) return false;
  const text = `${err.message} ${JSON.stringify(err.error ?? '')}`;
  return /response_format|json_schema|json_object|structured output/i.test(text);
}

/**
 * The model's JSON answer checked against the shape, or undefined when it is not valid.
 * Alt text past the limit is shortened at a word rather than thrown away: the rest of
 * the answer is good. A fenced ```json block is unwrapped (some servers add one).
 */
export function parseAnswer(content: string): VisionAnswer | undefined {
  const unfenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(content.trim())?.[1] ?? content;
  let value: unknown;
  try {
    value = JSON.parse(unfenced);
  } catch {
    return undefined;
  }
  if (value && typeof value === 'object' && typeof (value as { alt_text?: unknown }).alt_text === 'string') {
    const alt = (value as { alt_text: string }).alt_text.trim();
    (value as { alt_text: string }).alt_text = shorten(alt, ALT_TEXT_LIMIT);
  }
  const parsed = VisionAnswerSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** At most `limit` characters, cut at the last space that fits, ending with an ellipsis. */
export function shorten(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > limit / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}
