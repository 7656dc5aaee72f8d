import type { PaletteColour } from '@depict/contract';
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

/** k-means++ seeding, then Lloyd iterations until no centre moves more than 0.5 in Lab. */
function kMeans(s: LabSamples, k: number): Cluster[] {
  const random = mulberry32(0x5eed);
  const { l, a, b, count } = s;
  // Centres as a flat [L, a, b, L, a, b, ...] array: this loop is the analyzer's hottest.
  const centres = new Float64Array(k * 3);
  const first = Math.floor(random() * count);
  centres[0] = l[first]!;
  centres[1] = a[first]!;
  centres[2] = b[first]!;
  let used = 1;
  const nearest = new Float64Array(count).fill(Infinity);
  while (used < k) {
    const cl = centres[(used - 1) * 3]!;
    const ca = centres[(used - 1) * 3 + 1]!;
    const cb = centres[(used - 1) * 3 + 2]!;
    let total = 0;
    for (let i = 0; i < count; i++) {
      const dl = l[i]! - cl;
      const da = a[i]! - ca;
      const db = b[i]! - cb;
      const d = dl * dl + da * da + db * db;
      if (d < nearest[i]!) nearest[i] = d;
      total += nearest[i]!;
    }
    if (total === 0) break; // fewer distinct colours than k
    let pick = random() * total;
    let chosen = count - 1;
    for (let i = 0; i < count; i++) {
      pick -= nearest[i]!;
      if (pick <= 0) {
        chosen = i;
        break;
      }
    }
    centres[used * 3] = l[chosen]!;
    centres[used * 3 + 1] = a[chosen]!;
    centres[used * 3 + 2] = b[chosen]!;
    used++;
  }

  const sums = new Float64Array(used * 3);
  const weights = new Float64Array(used);
  for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
    sums.fill(0);
    weights.fill(0);
    for (let i = 0; i < count; i++) {
      const pl = l[i]!;
      const pa = a[i]!;
      const pb = b[i]!;
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < used; c++) {
        const dl = pl - centres[c * 3]!;
        const da = pa - centres[c * 3 + 1]!;
        const db = pb - centres[c * 3 + 2]!;
        const d = dl * dl + da * da + db * db;
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      sums[best * 3]! += pl;
      sums[best * 3 + 1]! += pa;
      sums[best * 3 + 2]! += pb;
      weights[best]! += 1;
    }
    let moved = 0;
    for (let c = 0; c < used; c++) {
      const w = weights[c]!;
      if (w === 0) continue;
      const nl = sums[c * 3]! / w;
      const na = sums[c * 3 + 1]! / w;
      const nb = sums[c * 3 + 2]! / w;
      moved = Math.max(moved, Math.abs(nl - centres[c * 3]!) + Math.abs(na - centres[c * 3 + 1]!) + Math.abs(nb - centres[c * 3 + 2]!));
      centres[c * 3] = nl;
      centres[c * 3 + 1] = na;
      centres[c * 3 + 2] = nb;
    }
    if (moved < 0.5) break;
  }
  const clusters: Cluster[] = [];
  for (let c = 0; c < used; c++) {
    if (weights[c]! > 0) clusters.push({ lab: { l: centres[c * 3]!, a: centres[c * 3 + 1]!, b: centres[c * 3 + 2]! }, weight: weights[c]! });
  }
  return clusters;
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
