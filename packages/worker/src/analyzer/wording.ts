import type { Analysis, CameraFacts, Kind, PaletteColour } from '@depict/contract';
import { subjectPhrase } from './recognition/phrase.js';

/** How much to say: alt text (at most 125 characters), a short paragraph, or everything. */
export type Length = 'alt' | 'normal' | 'detailed';

export const ALT_TEXT_MAX = 125;

const FORMAT = { png: 'PNG', jpeg: 'JPEG' } as const;
const KIND_NOUN: Record<Kind, string> = {
  photo: 'photo',
  screenshot: 'screenshot',
  document: 'document',
  chart: 'chart',
  diagram: 'diagram',
  illustration: 'illustration',
  icon: 'icon or logo',
};
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const percent = (share: number) => `${Math.round(share * 100)}%`;
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a');

function joinAnd(parts: readonly string[]): string {
  if (parts.length <= 2) return parts.join(' and ');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/** "2024-05-03T14:22:01" -> "3 May 2024": the date as written in the file, no time zone applied. */
export function dayOf(takenAt: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(takenAt);
  const month = m ? MONTHS[Number(m[2]) - 1] : undefined;
  return m && month ? `${Number(m[3])} ${month} ${m[1]}` : undefined;
}

/** "Apple" + "iPhone 13" -> "Apple iPhone 13"; "Canon" + "Canon EOS R5" -> "Canon EOS R5". */
export function cameraName(camera: CameraFacts | null): string | undefined {
  if (!camera?.model && !camera?.make) return undefined;
  const make = camera.make ?? '';
  const model = camera.model ?? '';
  if (!model) return make;
  if (!make || model.toLowerCase().startsWith(make.split(' ')[0]!.toLowerCase())) return model;
  return `${capitalise(make.toLowerCase().replace(/\b(corporation|corp\.?|company|co\.,? ltd\.?|inc\.?)$/i, '').trim())} ${model}`;
}

/** 1/250 s for short exposures; from 0.3 s on, a fraction would round badly (0.4 s is not 1/3 s), so decimals. */
export function exposureTime(seconds: number): string {
  return seconds >= 0.3 ? `${Number(seconds.toFixed(1))} s` : `1/${Math.round(1 / seconds)} s`;
}

function exposureSettings(camera: CameraFacts): string | undefined {
  const parts: string[] = [];
  if (camera.iso) parts.push(`ISO ${camera.iso}`);
  if (camera.exposureTime) {
    parts.push(exposureTime(camera.exposureTime));
  }
  if (camera.fNumber) parts.push(`f/${camera.fNumber}`);
  if (camera.focalLength) parts.push(`${camera.focalLength} mm`);
  return parts.length ? parts.join(', ') : undefined;
}

/** Quote recognised text, cut at a word boundary when it is long. */
function quote(text: string, max: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= max) return `"${clean}"`;
  const cut = clean.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `"${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…"`;
}

/** End a sentence, unless the quotation already ends it. */
const end = (sentence: string) => (/[.!?…]"$/.test(sentence) ? sentence : `${sentence}.`);

function textSentence(f: Analysis, length: Length): string | undefined {
  const lines = f.text.lines;
  if (lines.length === 0) return undefined;
  const all = lines.map((l) => l.text).join(' / ');
  if (length === 'detailed') return end(`It reads: ${quote(all, 600)}`);
  if (f.kind === 'document' || f.text.words > 12) return end(`It reads: ${quote(all, 160)}`);
  return end(`It contains the text ${quote(all, 80)}`);
}

function noun(f: Analysis): string {
  // One colour cut out on a transparent ground is a shape (a word mark), not a blank image.
  if (f.uniform && f.palette[0]) return f.transparentBackground ? `solid ${f.palette[0].name} ${KIND_NOUN[f.kind]}` : `solid ${f.palette[0].name} image`;
  const tone = f.blackAndWhite ? 'black-and-white ' : f.grayscale ? 'grayscale ' : '';
  // What was recognised leads every length, alt included: "photo of two people and a dog".
  const subject = subjectPhrase(f.objects);
  return `${tone}${KIND_NOUN[f.kind]}${subject ? ` of ${subject}` : ''}`;
}

function leadSentence(f: Analysis, length: Length): string {
  const shape = f.orientation === 'tall' ? 'tall' : f.orientation;
  const what = `${shape} ${noun(f)}`;
  const size = `${f.width} x ${f.height} (${f.megapixels < 0.1 ? 'under 0.1' : f.megapixels.toFixed(1)} MP)`;
  let sentence = `${capitalise(article(what))} ${what}, ${size}`;
  if (length === 'detailed' || f.kind === 'illustration' || f.kind === 'icon') sentence += `, ${FORMAT[f.format]}`;
  const camera = cameraName(f.camera);
  const day = f.camera?.takenAt ? dayOf(f.camera.takenAt) : undefined;
  if (camera) sentence += `, taken with ${article(camera)} ${camera}`;
  if (day) sentence += `${camera ? '' : ', taken'} on ${day}`;
  return `${sentence}.`;
}

function colourPhrase(palette: readonly PaletteColour[], withShares: boolean, accent: PaletteColour | null = null): string | undefined {
  const main = palette.filter((c) => c.share >= 0.1);
  const minor = palette.filter((c) => c.share < 0.1);
  if (main.length === 0) return undefined;
  const name = (c: PaletteColour) => (withShares ? `${c.name} (${percent(c.share)})` : c.name);
  let phrase = `mostly ${joinAnd(main.map(name))}`;
  if (minor.length) phrase += `, with some ${joinAnd(minor.map(name))}`;
  // A strongly saturated colour is what the eye goes to, however small.
  if (accent) phrase += `, and a touch of ${accent.name}`;
  return phrase;
}

/** Where the colours are in a photo: "light blue above, green below". */
function layoutPhrase(f: Analysis): string | undefined {
  return f.kind === 'photo' && f.layout ? `${f.layout.top} above, ${f.layout.bottom} below` : undefined;
}

/** "bright and sharp", "dark, high-contrast and slightly soft" ... only what was measured. */
function qualityPhrase(f: Analysis, length: Length): string | undefined {
  const parts: string[] = [];
  if (f.brightness !== 'balanced' || length === 'detailed') parts.push(f.brightness === 'balanced' ? 'medium brightness' : f.brightness);
  if (f.contrast !== 'moderate' || length === 'detailed') parts.push(`${f.contrast}-contrast`);
  // Any image can be blurred; calling a flat graphic "sharp" says nothing.
  if (f.motionBlur) parts.push(`blurred by ${f.motionBlur} motion`);
  else if (f.sharpness && (f.kind === 'photo' || f.sharpness !== 'sharp' || length === 'detailed')) {
    parts.push(f.sharpness === 'soft' ? 'slightly soft' : f.sharpness);
  }
  if (f.temperature !== 'neutral' && (f.kind === 'photo' || length === 'detailed')) parts.push(`${f.temperature}-toned`);
  return parts.length ? joinAnd(parts) : undefined;
}

/** Clipping only where it cuts into a subject: a black sky or a white page is no fault. */
function exposureWarnings(f: Analysis): string | undefined {
  if (f.kind !== 'photo') return undefined;
  const notes: string[] = [];
  if (f.clippedHighlights >= 0.06) notes.push(`${percent(f.clippedHighlights)} of it is blown-out white`);
  if (f.clippedShadows >= 0.06) notes.push(`${percent(f.clippedShadows)} is crushed black`);
  return notes.length ? `${capitalise(joinAnd(notes))}.` : undefined;
}

/** Fully transparent (alpha 0) and translucent are told apart; under 1% is not worth saying. */
function transparencySentence(f: Analysis): string | undefined {
  if (!f.hasAlpha) return undefined;
  if (f.transparentShare >= 0.99) return 'It is fully transparent.';
  const parts: string[] = [];
  if (f.transparentShare >= 0.01) {
    parts.push(
      f.transparentBackground
        ? `It has a transparent background (${percent(f.transparentShare)} of it is transparent)`
        : `About ${percent(f.transparentShare)} of it is transparent`,
    );
  }
  if (f.translucentShare >= 0.05) parts.push(`${percent(f.translucentShare)} is translucent`);
  return parts.length ? `${joinAnd(parts)}.` : undefined;
}

function paragraph(f: Analysis, length: Length): string {
  const sentences: Array<string | undefined> = [leadSentence(f, length)];
  if (f.animated) sentences.push('It is an animated PNG; this describes its first frame.');
  const text = textSentence(f, length);
  const textFirst = f.kind === 'document' || f.kind === 'screenshot' || f.kind === 'chart' || f.kind === 'diagram';
  if (text && textFirst) sentences.push(text);

  const colours = f.uniform || f.grayscale ? undefined : [layoutPhrase(f), colourPhrase(f.palette, length === 'detailed', f.accent)].filter(Boolean).join('; ') || undefined;
  const quality = f.uniform || f.transparentShare >= 0.99 ? undefined : qualityPhrase(f, length);
  if (colours && quality) sentences.push(`${capitalise(colours)}; ${quality}.`);
  else if (colours || quality) sentences.push(`${capitalise((colours ?? quality)!)}.`);
  sentences.push(transparencySentence(f), exposureWarnings(f));
  if (text && !textFirst) sentences.push(text);

  if (length === 'detailed') {
    const camera = f.camera;
    const settings = camera && exposureSettings(camera);
    if (settings) sentences.push(`Shot at ${settings}${camera?.lens ? ` with ${article(camera.lens)} ${camera.lens} lens` : ''}.`);
    if (camera?.software) sentences.push(`Saved by ${camera.software}.`);
    if (camera?.location) {
      sentences.push(`Location: ${camera.location.latitude.toFixed(5)}, ${camera.location.longitude.toFixed(5)}.`);
    } else if (camera?.hasLocation) {
      sentences.push('The file carries location data.');
    } else if (camera?.locationUnreadable) {
      sentences.push('The file carries location data (unreadable).');
    }
    const file = [`${f.bitDepth}-bit ${FORMAT[f.format]}`];
    if (f.progressive) file.push(f.format === 'png' ? 'interlaced' : 'progressive');
    sentences.push(`${capitalise(joinAnd(file))}.`);
  }
  return sentences.filter(Boolean).join(' ');
}

/** Alt text: what it is, its main colours or its text, within ALT_TEXT_MAX characters. */
function altText(f: Analysis): string {
  const what = capitalise(noun(f));
  const text = f.text.lines.map((l) => l.text).join(' / ');
  const colours = f.uniform || f.grayscale ? undefined : colourPhrase(f.palette.slice(0, 2), false, f.accent);
  const candidates = [
    [what, colours, text && `text ${quote(text, 60)}`],
    [what, text && `text ${quote(text, 60)}`],
    [what, colours],
    [what, text && `text ${quote(text, 30)}`],
    [what],
  ].map((parts) => `${parts.filter(Boolean).join(', ')}.`);
  return candidates.find((c) => c.length <= ALT_TEXT_MAX) ?? candidates.at(-1)!.slice(0, ALT_TEXT_MAX);
}

/**
 * Pure: facts in, words out, most telling first. Every number, name and quotation in
 * the result comes from the facts.
 */
export function describeFacts(f: Analysis, length: Length = 'normal'): string {
  return length === 'alt' ? altText(f) : paragraph(f, length);
}
