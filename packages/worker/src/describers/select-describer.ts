import type { Config, Describer } from '@depict/shared';
import { createAnalyzerDescriber } from '../analyzer/index.js';
import { OpenAIDescriber } from './openai-describer.js';

/** The vision model when a key is configured, otherwise the offline analyzer. */
export function selectDescriber(config: Config): Describer {
  if (config.openai.apiKey) {
    return new OpenAIDescriber({
      apiKey: config.openai.apiKey,
      model: config.openai.model,
      baseUrl: config.openai.baseUrl,
      timeoutMs: config.openai.timeoutMs,
      maxRetries: config.openai.maxRetries,
    });
  }
  return createAnalyzerDescriber(config.analyzer);
}
