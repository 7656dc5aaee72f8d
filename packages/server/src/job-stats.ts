import type { StatsResponse } from '@depict/contract';
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
export async function jobStats(store: JobStore, owner: string | null): Promise<StatsResponse> {
  const { counts, finished } = await store.stats(owner, SAMPLE);
  return {
    counts,
    queue_ms_p50: median(finished.map((j) => span(j.createdAt, j.startedAt)).filter(known)),
    processing_ms_p50: median(finished.map((j) => span(j.startedAt, j.finishedAt)).filter(known)),
    sample: finished.length,
  };
}
