import type { RecognisedObject } from '../packages/contract/src/analysis-schema.js';
import type { RecognitionLabel } from './debian-images.js';

/** What the description names: the first MAX_NAMED objects (packages/worker/src/analyzer/recognition/phrase.ts). */
const NAMED = 3;
const ANIMALS = new Set(['bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe']);

export interface RecognitionScore {
  /** Named labels that are in the picture, over all named labels (1 when nothing was named). */
  readonly precision: number;
  /** Images whose COCO subject was named, over the images that have one. */
  readonly subjectRecall: number;
  readonly named: number;
  readonly falseNames: string[];
  readonly missedSubjects: string[];
}

/** The judged objects of each labelled image against its truth. */
export function scoreRecognition(results: ReadonlyArray<{ label: RecognitionLabel; objects: readonly RecognisedObject[] }>): RecognitionScore {
  let named = 0;
  let right = 0;
  let subjects = 0;
  let subjectsNamed = 0;
  const falseNames: string[] = [];
  const missedSubjects: string[] = [];
  for (const { label, objects } of results) {
    const name = (label.member ?? label.path).split('/').pop()!;
    // What the description says: the species, or "animal" (an animal entry once).
    const said = [...new Set(objects.map((o) => o.name ?? o.label))].slice(0, NAMED);
    const truth = new Set([...label.present, ...label.allowed, ...(label.subject ? [label.subject] : [])]);
    if (label.animal || [...truth].some((l) => ANIMALS.has(l))) truth.add('animal');
    for (const l of said) {
      named++;
      if (truth.has(l)) right++;
      else falseNames.push(`${name}: ${l}`);
    }
    if (label.subject) {
      subjects++;
      if (said.includes(label.subject)) subjectsNamed++;
      else missedSubjects.push(`${name}: ${label.subject} (said ${said.join(', ') || 'nothing'})`);
    }
  }
  return {
    precision: named ? right / named : 1,
    subjectRecall: subjects ? subjectsNamed / subjects : 1,
    named,
    falseNames,
    missedSubjects,
  };
}
