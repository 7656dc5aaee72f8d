import { createReadStream } from 'node:fs';

/**
 * What a whole JPEG's markers say about the work of decoding it, read in JavaScript
 * before any decoder sees the file: its frame (size, components and their sampling),
 * and how many scans it has. A progressive JPEG's decoder visits every block of the
 * image once per scan, so a small file with hundreds of scans costs seconds of CPU;
 * counting them costs a walk over the bytes.
 */
export interface JpegLayout {
  readonly width: number;
  readonly height: number;
  /** 8 or 12 (16 for lossless). */
  readonly precision: number;
  /** Each component's sampling factors, in frame order. */
  readonly components: ReadonlyArray<{ readonly h: number; readonly v: number }>;
  /** A progressive frame (SOF2, SOF6, SOF10, SOF14). */
  readonly progressive: boolean;
  /** How many components the first scan carries: fewer than the frame's means later scans bring the rest. */
  readonly firstScanComponents: number;
  /** Scans (SOS markers) up to the end of the image, or up to one past `maxScans` when the walk stopped there. */
  readonly scans: number;
  /** False when the walk stopped at `maxScans` + 1 scans, or the bytes ended before EOI. */
  readonly complete: boolean;
}

/** SOFn markers: C0 to CF but DHT (C4), JPG (C8) and DAC (CC). */
const isFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
const isProgressiveFrame = (marker: number) => marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce;
/** Markers that stand alone, without a length: TEM, RST0 to RST7, SOI. (EOI ends the walk.) */
const standsAlone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8);

const SOS = 0xda;
const EOI = 0xd9;

type State =
  | { readonly kind: 'start'; readonly seen: number }
  /** Looking for the next marker: between segments, or through a scan's entropy-coded data. */
  | { readonly kind: 'search' }
  /** After an 0xFF: fill bytes, a stuffed 0x00, or a marker. */
  | { readonly kind: 'marker' }
  | { readonly kind: 'length'; readonly marker: number; readonly high: number | undefined }
  /** A segment's body: kept when it is a frame or scan header, else skipped. */
  | { readonly kind: 'body'; readonly marker: number; left: number; readonly kept: number[] | undefined }
  | { readonly kind: 'done' };

const SEARCH: State = { kind: 'search' };
const MARKER: State = { kind: 'marker' };
const DONE: State = { kind: 'done' };

/**
 * Walks a JPEG's segments and the entropy-coded data between them, chunk by chunk, as
 * libjpeg reads them: a segment is skipped by its length, whatever bytes it holds; in
 * between, the next marker is an 0xFF followed by anything but 0x00 (a stuffed data
 * byte), another 0xFF (fill) or RST0 to RST7 (restart markers inside a scan). Bytes
 * after EOI are not read, as a decoder does not read them.
 */
export class JpegWalker {
  private state: State = { kind: 'start', seen: 0 };
  private frame: Omit<JpegLayout, 'scans' | 'complete' | 'firstScanComponents'> | undefined;
  private firstScanComponents: number | undefined;
  private scans = 0;
  /** Set when the bytes cannot be a JPEG libjpeg reads: no SOI, or a frame or scan header it refuses. */
  private broken = false;

  constructor(private readonly maxScans = Infinity) {}

  /** True once the walk has all it needs: EOI, too many scans, or bytes that are no JPEG. */
  get finished(): boolean {
    return this.state.kind === 'done' || this.broken;
  }

  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && !this.finished) i = this.step(chunk, i);
  }

  /** What the walk found; undefined when the bytes are no JPEG or hold no usable frame and scan. */
  result(): JpegLayout | undefined {
    if (this.broken || !this.frame || this.firstScanComponents === undefined) return undefined;
    return {
      ...this.frame,
      firstScanComponents: this.firstScanComponents,
      scans: this.scans,
      complete: this.state.kind === 'done' && this.scans <= this.maxScans,
    };
  }

  /** Consume bytes from `chunk` at `i` in the current state; returns where to go on. */
  private step(chunk: Buffer, i: number): number {
    const state = this.state;
    switch (state.kind) {
      case 'start': {
        if (chunk[i] !== (state.seen === 0 ? 0xff : 0xd8)) {
          this.broken = true;
          return chunk.length;
        }
        this.state = state.seen === 0 ? { kind: 'start', seen: 1 } : SEARCH;
        return i + 1;
      }
      case 'search': {
        // Entropy-coded data is most of a file, and in it an 0xFF is nearly always a
        // stuffed byte or a restart marker: those are passed over here, without a step each.
        for (let at = i; ; at += 2) {
          at = chunk.indexOf(0xff, at);
          if (at < 0) return chunk.length;
          const next = chunk[at + 1];
          if (next !== undefined && (next === 0x00 || (next >= 0xd0 && next <= 0xd7))) continue;
          this.state = MARKER;
          return at + 1;
        }
      }
      case 'marker': {
        const byte = chunk[i]!;
        if (byte === 0xff) return i + 1;
        if (byte === 0x00 || standsAlone(byte)) this.state = SEARCH;
        else if (byte === EOI) this.state = DONE;
        else this.state = { kind: 'length', marker: byte, high: undefined };
        return i + 1;
      }
      case 'length': {
        if (state.high === undefined) {
          this.state = { ...state, high: chunk[i]! };
          return i + 1;
        }
        const left = ((state.high << 8) | chunk[i]!) - 2;
        const keep = state.marker === SOS || (isFrame(state.marker) && this.frame === undefined);
        if (keep && left < 1) {
          this.broken = true;
          return chunk.length;
        }
        // libjpeg skips what follows the length of any other segment, even a length below 2.
        this.state = { kind: 'body', marker: state.marker, left: Math.max(0, left), kept: keep ? [] : undefined };
        return this.endBodyIfDone(i + 1);
      }
      case 'body': {
        const take = Math.min(state.left, chunk.length - i);
        if (state.kept) for (let k = i; k < i + take; k++) state.kept.push(chunk[k]!);
        state.left -= take;
        return this.endBodyIfDone(i + take);
      }
      case 'done':
        return chunk.length;
    }
  }

  private endBodyIfDone(next: number): number {
    const state = this.state;
    if (state.kind !== 'body' || state.left > 0) return next;
    if (state.kept && state.marker === SOS) this.readScanHeader(state.kept);
    else if (state.kept) this.readFrameHeader(state.marker, state.kept);
    if (!this.finished) this.state = this.scans > this.maxScans ? DONE : SEARCH;
    return next;
  }

  private readFrameHeader(marker: number, body: number[]): void {
    const count = body[5] ?? 0;
    if (body.length < 6 + 3 * count || count === 0) {
      this.broken = true;
      return;
    }
    const components = Array.from({ length: count }, (_, c) => {
      const factors = body[6 + 3 * c + 1]!;
      return { h: factors >> 4, v: factors & 0x0f };
    });
    const height = (body[1]! << 8) | body[2]!;
    const width = (body[3]! << 8) | body[4]!;
    // libjpeg refuses these; a height of 0 would come later in a DNL marker, which it does not read.
    if (width === 0 || height === 0 || components.some(({ h, v }) => h < 1 || h > 4 || v < 1 || v > 4)) {
      this.broken = true;
      return;
    }
    this.frame = { precision: body[0]!, height, width, components, progressive: isProgressiveFrame(marker) };
  }

  private readScanHeader(body: number[]): void {
    this.scans += 1;
    if (this.firstScanComponents === undefined) this.firstScanComponents = body[0] ?? 0;
  }
}

/** A JPEG's layout from bytes in memory; undefined when they are no JPEG with a frame and a scan. */
export function readJpegLayout(bytes: Buffer, options: { maxScans?: number } = {}): JpegLayout | undefined {
  const walker = new JpegWalker(options.maxScans);
  walker.push(bytes);
  return walker.result();
}

/**
 * A JPEG's layout from a file, read in 1 MiB chunks (each read is a trip to libuv's
 * thread pool; at 64 KiB a 20 MB file took hundreds of them) and no further than
 * needed: to EOI, or to the scan past `maxScans`.
 */
export async function readJpegLayoutFromFile(path: string, options: { maxScans?: number } = {}): Promise<JpegLayout | undefined> {
  const walker = new JpegWalker(options.maxScans);
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      walker.push(chunk);
      if (walker.finished) break;
    }
  } finally {
    stream.destroy();
  }
  return walker.result();
}
