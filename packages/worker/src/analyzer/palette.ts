import type { PaletteColour } from './analysis-schema.js';
import { nameOf } from './colour-names.js';
import { deltaE, hexOf, labToRgb, type Lab } from './colour-space.js';

export type { PaletteColour };

/** Pixels as parallel Lab arrays. */
export interface LabSamples {
  readonly l: Float32Array;
  readonly a: Float32Array;
  readonly b: Float32Array;
  readonly count: number;
}

const MAX_CLUSTERS = 6;
const MAX_ITERATIONS = 16;
/** Clusters nearer than this are one colour to a person. */
const MERGE_DELTA_E = 10;
/** Colours below this share are noise, not part of the palette. */
const MIN_SHARE = 0.02;
const MAX_REPORTED = 5;

/** A small deterministic PRNG, so the same image always gets the same palette. */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Cluster {
  lab: Lab;
  weight: number;
}

function distance2(s: LabSamples, i: number, c: Lab): number {
  const dl = s.l[i]! - c.l;
  const da = s.a[i]! - c.a;
  const db = s.b[i]! - c.b;
  return dl * dl + da * da + db * db;
}

/** k-means++ seeding, then Lloyd iterations. */
function kMeans(s: LabSamples, k: number): Cluster[] {
  const random = mulberry32(0x5eed);
  const sample = (i: number): Lab => ({ l: s.l[i]!, a: s.a[i]!, b: s.b[i]! });
  const centres: Lab[] = [sample(Math.floor(random() * s.count))];
  const nearest = new Float64Array(s.count).fill(Infinity);
  while (centres.length < k) {
    const last = centres[centres.length - 1]!;
    let total = 0;
    for (let i = 0; i < s.count; i++) {
      nearest[i] = Math.min(nearest[i]!, distance2(s, i, last));
      total += nearest[i]!;
    }
    if (total === 0) break; // every pixel is already a centre: fewer colours than k
    let pick = random() * total;
    let chosen = s.count - 1;
    for (let i = 0; i < s.count; i++) {
      pick -= nearest[i]!;
      if (pick <= 0) {
        chosen = i;
        break;
      }
    }
    centres.push(sample(chosen));
  }

  const assignment = new Int32Array(s.count);
  let weights = new Float64Array(centres.length);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    const sums = centres.map(() => ({ l: 0, a: 0, b: 0 }));
    weights = new Float64Array(centres.length);
    let moved = 0;
    for (let i = 0; i < s.count; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < centres.length; c++) {
        const d = distance2(s, i, centres[c]!);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      if (assignment[i] !== best) moved++;
      assignment[i] = best;
      const sum = sums[best]!;
      sum.l += s.l[i]!;
      sum.a += s.a[i]!;
      sum.b += s.b[i]!;
      weights[best]! += 1;
    }
    for (let c = 0; c < centres.length; c++) {
      const w = weights[c]!;
      if (w > 0) centres[c] = { l: sums[c]!.l / w, a: sums[c]!.a / w, b: sums[c]!.b / w };
    }
    if (iteration > 0 && moved === 0) break;
  }
  return centres.map((lab, c) => ({ lab, weight: weights[c]! })).filter((c) => c.weight > 0);
}

function mergeInto(into: Cluster, from: Cluster): void {
  const w = into.weight + from.weight;
  into.lab = {
    l: (into.lab.l * into.weight + from.lab.l * from.weight) / w,
    a: (into.lab.a * into.weight + from.lab.a * from.weight) / w,
    b: (into.lab.b * into.weight + from.lab.b * from.weight) / w,
  };
  into.weight = w;
}

/** Merge the closest pair while it is closer than MERGE_DELTA_E. */
function mergeClose(clusters: Cluster[]): Cluster[] {
  const list = clusters.map((c) => ({ ...c }));
  for (;;) {
    let pair: [number, number] | undefined;
    let closest = MERGE_DELTA_E;
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const d = deltaE(list[i]!.lab, list[j]!.lab);
        if (d < closest) {
          closest = d;
          pair = [i, j];
        }
      }
    }
    if (!pair) return list;
    mergeInto(list[pair[0]]!, list[pair[1]]!);
    list.splice(pair[1], 1);
  }
}

/** The dominant colours of the samples, most common first, each named. */
export function dominantColours(samples: LabSamples): PaletteColour[] {
  if (samples.count === 0) return [];
  const clusters = mergeClose(kMeans(samples, Math.min(MAX_CLUSTERS, samples.count)));
  // Two clusters a person would call by the same name are one colour to them.
  const byName = new Map<string, Cluster>();
  for (const cluster of clusters) {
    const name = nameOf(cluster.lab);
    const existing = byName.get(name);
    if (existing) mergeInto(existing, cluster);
    else byName.set(name, { ...cluster });
  }
  return [...byName.entries()]
    .map(([name, c]) => ({ name, hex: hexOf(labToRgb(c.lab)), share: c.weight / samples.count }))
    .filter((c) => c.share >= MIN_SHARE)
    .sort((p, q) => q.share - p.share)
    .slice(0, MAX_REPORTED)
    .map((c) => ({ ...c, share: Math.round(c.share * 1000) / 1000 }));
}
