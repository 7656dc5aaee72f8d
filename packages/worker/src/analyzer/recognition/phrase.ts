import type { RecognisedObject } from '@depict/contract';

/** How the COCO names read in a sentence, where they differ from the label. */
const NAMES: Readonly<Record<string, readonly [string, string]>> = {
  person: ['person', 'people'],
  'sports ball': ['ball', 'balls'],
  'dining table': ['table', 'tables'],
  'cell phone': ['phone', 'phones'],
  tv: ['TV', 'TVs'],
  mouse: ['computer mouse', 'computer mice'],
  remote: ['remote control', 'remote controls'],
  skis: ['pair of skis', 'pairs of skis'],
  knife: ['knife', 'knives'],
  sheep: ['sheep', 'sheep'],
  'hair drier': ['hair dryer', 'hair dryers'],
  animal: ['animal', 'animals'],
};
const NUMBERS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];
/** Said at most: a description names the main things, not an inventory. */
export const MAX_NAMED = 3;

function plural(label: string): string {
  const named = NAMES[label];
  if (named) return named[1];
  if (/(s|sh|ch|x)$/.test(label)) return `${label}es`;
  return `${label}s`;
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');

/** "a dog", "two people", "14 people". */
export function countedName(label: string, count: number): string {
  const singular = NAMES[label]?.[0] ?? label;
  if (count <= 1) return `${article(singular)} ${singular}`;
  return `${NUMBERS[count] ?? String(count)} ${plural(label)}`;
}

function joinAnd(parts: readonly string[]): string {
  if (parts.length <= 2) return parts.join(' and ');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/**
 * What is in the picture, as a noun phrase to follow "photo of", confidence included:
 * "two people and a dog", "a person and probably a motorcycle", "what is probably a dog".
 * Undefined when nothing was recognised. `objects` come most prominent first, as the
 * analysis lists them.
 */
export function subjectPhrase(objects: readonly RecognisedObject[] | null | undefined): string | undefined {
  if (!objects?.length) return undefined;
  // Animals whose species was not named are one "animal" entry: two labels on one lemur
  // are not two animals, so the larger count stands.
  const merged: Array<{ name: string; count: number; confidence: RecognisedObject['confidence'] }> = [];
  for (const o of objects) {
    const same = merged.find((m) => m.name === o.name);
    if (same) same.count = Math.max(same.count, o.count);
    else merged.push({ name: o.name, count: o.count, confidence: o.confidence });
  }
  const named = merged.slice(0, MAX_NAMED);
  const sure = named.filter((o) => o.confidence === 'sure').map((o) => countedName(o.name, o.count));
  const probable = named.filter((o) => o.confidence === 'probable').map((o) => countedName(o.name, o.count));
  if (sure.length === 0) return `what is probably ${joinAnd(probable)}`;
  if (probable.length === 0) return joinAnd(sure);
  return `${joinAnd(sure)} and probably ${joinAnd(probable)}`;
}
