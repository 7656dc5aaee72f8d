import { z } from 'zod';

/**
 * What a vision model is asked to return, in one call: the parts the cloud vision services
 * return (caption, tags, objects, text read, a content rating) beside the prose
 * description. The worker asks for JSON against this shape and validates the answer with
 * it; `details.vision.answer` stores it.
 */

export const ALT_TEXT_LIMIT = 125;

export const CONTENT_FLAGS = ['adult', 'violence', 'none'] as const;

export const VisionAnswerSchema = z.object({
  caption: z.string().trim().min(1).describe('One sentence saying what the image shows.'),
  alt_text: z.string().trim().min(1).max(ALT_TEXT_LIMIT).describe(`Alt text, at most ${ALT_TEXT_LIMIT} characters.`),
  description: z.string().trim().min(1).describe('The prose description, as long as the job asked for.'),
  tags: z.array(z.string()).describe('Short labels for what the image shows, most important first.'),
  objects: z
    .array(z.object({ name: z.string(), count: z.number().int().min(1) }))
    .describe('Things in the image and how many of each.'),
  text: z.string().nullable().describe('What is written in the image, verbatim; null when nothing is.'),
  people: z.number().int().min(0).describe('How many people the image shows.'),
  content_flags: z
    .array(z.enum(CONTENT_FLAGS))
    .min(1)
    .describe('The content as the model judges it: adult, violence, or ["none"].'),
});
export type VisionAnswer = z.infer<typeof VisionAnswerSchema>;

/**
 * How the answer was asked for. `json_schema`: strict structured output. `json_object`:
 * JSON mode with the shape in the prompt, for servers without `json_schema`. `text`:
 * plain prose, for servers with neither.
 */
export const VISION_MODES = ['json_schema', 'json_object', 'text'] as const;
export type VisionMode = (typeof VISION_MODES)[number];

export const VisionDetailsSchema = z.object({
  mode: z.enum(VISION_MODES).describe('How the answer was asked for (see VISION_MODES).'),
  answer: VisionAnswerSchema.nullable().describe('The structured answer; null in text mode, or when the model never gave valid JSON.'),
  invalid_answers: z.number().int().describe('Answers that were not valid JSON of the shape, and were asked again or kept as text.'),
  image: z
    .object({
      width: z.number().int(),
      height: z.number().int(),
      pixels: z.number().int(),
      bytes: z.number().int(),
      detail: z.enum(['low', 'high', 'auto']),
    })
    .describe('What was sent to the model: its size after shrinking, and the detail asked for (detail=high costs more tokens).'),
});
export type VisionDetails = z.infer<typeof VisionDetailsSchema>;

/** Tokens as the API reported them, summed over every call the job made; cost when prices are set. */
export const UsageSchema = z.object({
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  total_tokens: z.number().int(),
  cost_usd: z
    .number()
    .optional()
    .describe('From OPENAI_PRICE_INPUT_PER_MTOK and OPENAI_PRICE_OUTPUT_PER_MTOK; absent when they are not set.'),
});
export type Usage = z.infer<typeof UsageSchema>;
