import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { RecognisedObject } from '@depict/contract';
import { CALIBRATION, judge, subjectPhrase } from '../src/analyzer/recognition/recognise.js';
import type { RawDetections } from '../src/analyzer/recognition/engine.js';

/** The pure half of recognition: raw detections judged, and put into words. */
const words = suite('recognition: judging detections and naming them');
const size = { width: 500, height: 400, displayWidth: 1000, displayHeight: 800 };
const object = (label: string, score: number, box: [number, number, number, number]) => ({ label, score, box });
const named = (label: string, count: number, confidence: 'sure' | 'probable'): RecognisedObject => {
  const box = { x: 0, y: 0, width: 10, height: 10 };
  return { label, name: label, count, score: 0.9, confidence, box, boxes: [box] };
};

words('sure, probable and unnamed by score; specks and other classes\' thresholds apply', () => {
  const raw: RawDetections = {
    objects: [
      object('dog', 0.7, [10, 10, 200, 200]),
      object('car', 0.4, [250, 100, 200, 150]),
      object('cup', 0.2, [0, 0, 100, 100]),
      // Under 1% of the image: not counted, whatever its score.
      object('bird', 0.9, [400, 10, 10, 10]),
      // 0.45 would be probable for most classes, not for a zebra.
      object('zebra', 0.45, [0, 200, 200, 150]),
    ],
    faces: [],
  };
  const { objects, people } = judge(raw, size);
  assert.equal(objects.map((o) => [o.label, o.confidence]), [['dog', 'sure'], ['car', 'probable']]);
  assert.is(people, 0);
  // Boxes come back in display pixels.
  assert.equal(objects[0]!.box, { x: 20, y: 20, width: 400, height: 400 });
});

words('a face counts as a person only inside a person box, or alone at a high score', () => {
  const person = object('person', 0.62, [100, 50, 150, 300]);
  const faceInside = { score: 0.8, box: [140, 60, 40, 40] as const };
  const weakFaceOutside = { score: 0.84, box: [400, 60, 40, 40] as const };
  const strongFaceOutside = { score: 0.95, box: [400, 200, 40, 40] as const };
  let judged = judge({ objects: [person], faces: [faceInside, weakFaceOutside] }, size);
  assert.is(judged.people, 1);
  // The face inside makes the probable person sure.
  assert.is(judged.objects[0]!.confidence, 'sure');
  judged = judge({ objects: [person], faces: [] }, size);
  assert.is(judged.objects[0]!.confidence, 'probable');
  judged = judge({ objects: [person], faces: [strongFaceOutside] }, size);
  assert.is(judged.people, 2);
  // No person box: a cat's face at 0.84 is no person; a clear face at 0.95 is.
  assert.is(judge({ objects: [], faces: [weakFaceOutside] }, size).people, 0);
  judged = judge({ objects: [], faces: [strongFaceOutside] }, size);
  assert.is(judged.people, 1);
  assert.equal(judged.objects.map((o) => [o.label, o.count]), [['person', 1]]);
  assert.ok(CALIBRATION.faceAlone > 0.84);
});

words('an animal class under its species score is "an animal": COCO answers any animal with one of its ten', () => {
  const raw: RawDetections = {
    objects: [object('bear', 0.68, [10, 10, 300, 300]), object('sheep', 0.65, [20, 20, 280, 280]), object('bird', 0.58, [320, 10, 100, 100])],
    faces: [],
  };
  const { objects } = judge(raw, size);
  assert.equal(objects.map((o) => [o.label, o.name, o.confidence]), [['bear', 'animal', 'sure'], ['sheep', 'animal', 'sure'], ['bird', 'bird', 'sure']]);
  // Two labels on one animal make one "animal" in words.
  assert.is(subjectPhrase(objects), 'an animal and a bird');
  const panda = judge({ objects: [object('bear', 0.8, [10, 10, 300, 300])], faces: [] }, size).objects;
  assert.is(subjectPhrase(panda), 'a bear');
});

words('the phrase counts, pluralises and says "probably" where the score calls for it', () => {
  assert.is(subjectPhrase([named('person', 2, 'sure'), named('dog', 1, 'sure')]), 'two people and a dog');
  assert.is(subjectPhrase([named('person', 1, 'sure'), named('motorcycle', 1, 'probable')]), 'a person and probably a motorcycle');
  assert.is(subjectPhrase([named('dog', 1, 'probable')]), 'what is probably a dog');
  assert.is(subjectPhrase([named('umbrella', 1, 'sure'), named('sheep', 3, 'sure'), named('bus', 2, 'sure')]), 'an umbrella, three sheep and two buses');
  assert.is(subjectPhrase([named('person', 14, 'sure')]), '14 people');
  // At most three names: a description is not an inventory.
  assert.is(subjectPhrase(['cup', 'fork', 'knife', 'spoon'].map((l) => named(l, 1, 'sure'))), 'a cup, a fork and a knife');
  assert.is(subjectPhrase([]), undefined);
  assert.is(subjectPhrase(null), undefined);
});

words.run();
