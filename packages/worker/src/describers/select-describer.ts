import type { Describer } from '@depict/contract';
import type { CircuitBreaker, Config, Logger } from '@depict/core';
import { createAnalyzerDescriber } from '../analyzer/index.js';
import { FallbackDescriber } from './fallback-describer.js';
import { withMeasuredFacts } from './measured-facts.js';

/**
 * The vision model when a key is configured (falling back to the offline analyzer when
 * OPENAI_FALLBACK=analyzer), otherwise the offline analyzer alone.
 */
export async function selectDescriber(config: Config, logger: Logger, breaker?: CircuitBreaker): Promise<Describer> {
  const analyzer = createAnalyzerDescriber({ ...config.analyzer, limits: config.decodeLimits });
  if (!config.openai.apiKey) return analyzer;
  // The openai SDK takes about 200 ms to load: a worker without a key never loads it.
  const { OpenAIDescriber } = await import('./openai-describer.js');
  const vision = new OpenAIDescriber({
    apiKey: config.openai.apiKey,
    model: config.openai.model,
    baseUrl: config.openai.baseUrl,
    timeoutMs: config.openai.timeoutMs,
    maxRetries: config.openai.maxRetries,
    limits: config.decodeLimits,
    prices: config.openai.prices,
    ...(breaker ? { breaker } : {}),
  });
  const measured = withMeasuredFacts(vision, { revealGps: config.analyzer.revealGps, limits: config.decodeLimits });
  return config.openai.fallback === 'analyzer' ? new FallbackDescriber(measured, analyzer, logger) : measured;
}
