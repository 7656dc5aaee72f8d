import { USAGE_DAYS, type StatsResponse } from '@depict/contract';
import type { JobStore } from '@depict/core';

/** How many recently finished jobs the medians are taken over. */
const SAMPLE = 1000;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const span = (from: string | null, to: string | null) => (from && to ? Date.parse(to) - Date.parse(from) : undefined);
const known = (x: number | undefined): x is number => x !== undefined;

/** GET /stats: jobs by status, and the median time the recent ones waited and took. */
export async function jobStats(store: JobStore, owner: string | null, dailyTokenLimit: number | undefined, now = new Date()): Promise<StatsResponse> {
  const today = utcDay(now);
  const from = utcDay(new Date(now.getTime() - (USAGE_DAYS - 1) * DAY_MS));
  const [{ counts, finished }, days] = await Promise.all([store.stats(owner, SAMPLE), store.usageDays(owner, from)]);
  const todays = days.find((d) => d.day === today);
  return {
    counts,
    queue_ms_p50: median(finished.map((j) => span(j.createdAt, j.startedAt)).filter(known)),
    processing_ms_p50: median(finished.map((j) => span(j.startedAt, j.finishedAt)).filter(known)),
    sample: finished.length,
    usage: {
      days: days.map((d) => ({
        date: d.day,
        jobs: d.jobs,
        input_tokens: d.inputTokens,
        output_tokens: d.outputTokens,
        total_tokens: d.inputTokens + d.outputTokens,
        cost_usd: d.costUsd,
      })),
      tokens_today: todays ? todays.inputTokens + todays.outputTokens : 0,
      daily_token_limit: dailyTokenLimit ?? null,
      resets_at: nextUtcMidnight(now).toISOString(),
    },
  };
}

const DAY_MS = 86_400_000;

/** YYYY-MM-DD of a time, in UTC: the ledger's day. */
export const utcDay = (at: Date) => at.toISOString().slice(0, 10);

/** The next midnight, UTC: when a day's token limit starts afresh. */
export function nextUtcMidnight(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));
}
