import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RgbImage } from './rgb.js';

/** One CenterNet detection, before any judgement: a COCO label, a score, a box in the RgbImage's pixels. */
export interface RawObject {
  readonly label: string;
  readonly score: number;
  /** x, y, width, height. */
  readonly box: readonly [number, number, number, number];
}

export interface RawFace {
  readonly score: number;
  readonly box: readonly [number, number, number, number];
}

export interface RawDetections {
  readonly objects: readonly RawObject[];
  readonly faces: readonly RawFace[];
}

export interface EngineOptions {
  /** letterbox keeps the image's proportions (grey bars); stretch is what human itself does. */
  readonly fit?: 'letterbox' | 'stretch';
}

/** CenterNet's input side: the converted graph accepts 1 x 512 x 512 x 3 and nothing else. */
export const MODEL_SIDE = 512;

// The minimal surface of human and tfjs this module uses; both ship their own types, but
// human's node-wasm build is loaded by path, outside its exports map, so they are not reachable.
interface Tensor {
  readonly shape: number[];
  dispose(): void;
  array(): Promise<unknown>;
  data(): Promise<Float32Array | Int32Array>;
}
interface Tf {
  tensor3d(values: Uint8Array, shape: [number, number, number], dtype: 'int32'): Tensor;
  tidy<T>(fn: () => T): T;
  cast(t: Tensor, dtype: 'float32'): Tensor;
  expandDims(t: Tensor, axis: number): Tensor;
  pad(t: Tensor, paddings: number[][], value: number): Tensor;
  image: {
    resizeBilinear(t: Tensor, size: [number, number]): Tensor;
    nonMaxSuppressionAsync(boxes: Tensor, scores: Tensor, max: number, iou: number, minScore: number): Promise<Tensor>;
  };
  tensor2d(values: number[][]): Tensor;
  tensor1d(values: number[]): Tensor;
  dispose(t: Tensor | Tensor[]): void;
}
interface GraphModel {
  execute(input: Tensor, outputs: string[]): Tensor;
}
interface HumanInstance {
  tf: Tf;
  config: { object: { enabled: boolean } };
  models: { models: Record<string, GraphModel | null> };
  load(): Promise<void>;
  detect(input: Tensor): Promise<{ face: Array<{ boxScore: number; box: [number, number, number, number] }>; error?: string | null }>;
}

const require = createRequire(import.meta.url);
/** Scores CenterNet gives below this are noise on every image tried; calibration starts above it. */
export const RAW_MIN_SCORE = 0.1;
const MAX_OBJECTS = 30;
const NMS_IOU = 0.45;

function humanDir(): string {
  // The package's exports map hides both its package.json and the node-wasm build, so
  // find the folder from the main entry it does export.
  return path.resolve(path.dirname(require.resolve('@vladmandic/human')), '..');
}

/**
 * human loads models through the global fetch, which in Node cannot read file:// URLs.
 * During the one load, file:// URLs are read from disk and every other call goes to the
 * real fetch untouched.
 */
async function withFileFetch<T>(load: () => Promise<T>): Promise<T> {
  const original = globalThis.fetch;
  globalThis.fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.startsWith('file://')) return original(input, init);
    return new Response(await readFile(fileURLToPath(url)));
  }) as typeof fetch;
  try {
    return await load();
  } finally {
    globalThis.fetch = original;
  }
}

/**
 * The wasm runtime (Emscripten) adds process listeners that rethrow any uncaught
 * exception and unhandled rejection, which would end a worker that means to survive a
 * Redis or store fault (packages/core/src/runtime.ts). Whatever it added goes.
 */
async function withoutNewProcessListeners<T>(load: () => Promise<T>): Promise<T> {
  type Listener = (...args: unknown[]) => void;
  const events = ['uncaughtException', 'unhandledRejection'] as const;
  const listeners = (e: (typeof events)[number]) => process.listeners(e as 'uncaughtException') as Listener[];
  const before = events.map((e) => new Set(listeners(e)));
  try {
    return await load();
  } finally {
    events.forEach((e, i) => {
      for (const listener of listeners(e)) if (!before[i]!.has(listener)) process.removeListener(e, listener);
    });
  }
}

async function loadHuman(): Promise<HumanInstance> {
  return withoutNewProcessListeners(loadHumanModels);
}

async function loadHumanModels(): Promise<HumanInstance> {
  const dir = humanDir();
  const { Human } = require(path.join(dir, 'dist/human.node-wasm.js')) as { Human: new (config: object) => HumanInstance };
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  const human = new Human({
    backend: 'wasm',
    wasmPath: `${pathToFileURL(wasmDir).href}/`,
    modelBasePath: `${pathToFileURL(path.join(dir, 'models')).href}/`,
    debug: false,
    warmup: 'none',
    // Never answer an image with the result of a similar earlier one.
    cacheSensitivity: 0,
    filter: { enabled: false },
    // Face boxes only: no mesh, no age, gender or emotion guesses about people.
    face: {
      enabled: true,
      detector: { rotation: false, maxDetected: 20, minConfidence: 0.2, return: false },
      mesh: { enabled: false },
      iris: { enabled: false },
      attention: { enabled: false },
      description: { enabled: false },
      emotion: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
    },
    body: { enabled: false },
    hand: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
    object: { enabled: true, modelPath: 'centernet.json' },
  });
  await withFileFetch(() => human.load());
  if (!human.models.models.centernet) throw new Error('the CenterNet model did not load');
  // CenterNet runs below, on our own letterboxed input; human runs the face detector.
  human.config.object.enabled = false;
  return human;
}

/**
 * Object and face detection on the CPU, from the models inside @vladmandic/human. One
 * load per engine, shared by every caller (concurrent first callers wait for the same
 * promise); one inference at a time, since the wasm backend runs on one thread anyway.
 */
export class RecognitionEngine {
  #human: Promise<HumanInstance> | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  readonly fit: 'letterbox' | 'stretch';
  /** How many loads were started: 1 once loaded, more only after a load failed. */
  loads = 0;

  constructor(options: EngineOptions = {}) {
    this.fit = options.fit ?? 'letterbox';
  }

  load(): Promise<void> {
    if (!this.#human) {
      this.loads++;
      this.#human = loadHuman();
      // A failed load is retried by the next caller rather than cached forever.
      this.#human.catch(() => (this.#human = undefined));
    }
    return this.#human.then(() => undefined);
  }

  detect(image: RgbImage): Promise<RawDetections> {
    const run = this.#queue.then(async () => {
      await this.load();
      return this.#detect(await this.#human!, image);
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #detect(human: HumanInstance, image: RgbImage): Promise<RawDetections> {
    const { tf } = human;
    const pixels = tf.tensor3d(image.pixels, [image.height, image.width, 3], 'int32');
    try {
      const objects = await this.#objects(human, pixels, image);
      const batch = tf.tidy(() => tf.expandDims(tf.cast(pixels, 'float32'), 0));
      const result = await human.detect(batch);
      tf.dispose(batch);
      if (result.error) throw new Error(`face detection failed: ${result.error}`);
      const faces = result.face.map((f) => ({ score: f.boxScore, box: f.box }));
      return { objects, faces };
    } finally {
      pixels.dispose();
    }
  }

  async #objects(human: HumanInstance, pixels: Tensor, image: RgbImage): Promise<RawObject[]> {
    const { tf } = human;
    const size = MODEL_SIDE;
    const scale = this.fit === 'letterbox' ? Math.min(size / image.width, size / image.height) : 0;
    // At least a pixel each way: a 1 x 5000 strip would otherwise round to nothing.
    const fitted = (side: number) => Math.min(size, Math.max(1, Math.round(side * scale)));
    const [w, h] = this.fit === 'letterbox' ? [fitted(image.width), fitted(image.height)] : [size, size];
    const input = tf.tidy(() => {
      const resized = tf.image.resizeBilinear(tf.expandDims(tf.cast(pixels, 'float32'), 0), [h, w]);
      // Mid-grey bars, the least like anything in COCO.
      return tf.pad(resized, [[0, 0], [0, size - h], [0, size - w], [0, 0]], 114);
    });
    const output = human.models.models.centernet!.execute(input, ['tower_0/detections']);
    tf.dispose(input);
    const rows = ((await output.array()) as number[][][])[0]!;
    tf.dispose(output);
    const [sx, sy] = this.fit === 'letterbox' ? [1 / scale, 1 / scale] : [image.width / size, image.height / size];
    const candidates = rows.filter((r) => r[4]! >= RAW_MIN_SCORE && !Number.isNaN(r[5]));
    if (candidates.length === 0) return [];
    const boxes = tf.tensor2d(candidates.map((r) => [r[1]!, r[0]!, r[3]!, r[2]!]));
    const scores = tf.tensor1d(candidates.map((r) => r[4]!));
    const keep = await tf.image.nonMaxSuppressionAsync(boxes, scores, MAX_OBJECTS, NMS_IOU, RAW_MIN_SCORE);
    const kept = Array.from(await keep.data());
    tf.dispose([boxes, scores, keep]);
    return kept.map((i) => {
      const [x1, y1, x2, y2, score, cls] = candidates[i]!;
      const left = clamp(x1! * sx, image.width);
      const top = clamp(y1! * sy, image.height);
      const box = [left, top, clamp(x2! * sx, image.width) - left, clamp(y2! * sy, image.height) - top] as const;
      return { label: COCO_LABELS[cls!] ?? 'unknown', score: score!, box };
    });
  }
}

const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);

/** CenterNet's 80 classes, in the model's order (human's src/object/labels.ts). */
export const COCO_LABELS = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
  'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
] as const;
