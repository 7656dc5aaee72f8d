import type OpenAI from 'openai';
import type { Usage } from '@depict/contract';

/** US dollars per million tokens. */
export interface Prices {
  readonly inputPerMTok: number;
  readonly outputPerMTok: number;
}

/** Tokens of every call a job made (a retried answer is paid too), and their cost when prices are known. */
export class UsageTally {
  private input = 0;
  private output = 0;
  private total_ = 0;

  constructor(private readonly prices: Prices | undefined) {}

  add(usage: OpenAI.Completions.CompletionUsage | undefined | null): void {
    if (!usage) return;
    this.input += usage.prompt_tokens ?? 0;
    this.output += usage.completion_tokens ?? 0;
    this.total_ += usage.total_tokens ?? (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0);
  }

  total(): Usage {
    const usage: Usage = { input_tokens: this.input, output_tokens: this.output, total_tokens: this.total_ };
    if (!this.prices) return usage;
    const cost = (this.input * this.prices.inputPerMTok + this.output * this.prices.outputPerMTok) / 1e6;
    // To a millionth of a cent: enough for one image, and sums stay exact enough per day.
    return { ...usage, cost_usd: Math.round(cost * 1e8) / 1e8 };
  }
}
