// A finished job's details as a person reads them: what kind of image, its size, its
// colours, the camera and date, the text read, the objects recognised (drawn over the
// picture) and how it was asked for. Everything from the server goes in as text.

import { explain } from './messages.js';
import { addVisionFacts, visionAnswer } from './vision-view.js';

const KIND_LABEL = {
  photo: 'Photo',
  screenshot: 'Screenshot',
  document: 'Document',
  illustration: 'Illustration',
  icon: 'Icon',
};
const LENGTH_LABEL = { alt: 'Alt text', normal: 'Normal', detailed: 'Detailed' };

const percent = (share) => {
  const p = share * 100;
  return (p > 0 && p < 1 ? '<1' : String(Math.round(p))) + '%';
};

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function languageName(tag) {
  try {
    const name = new Intl.DisplayNames(['en'], { type: 'language' }).of(tag);
    return name && name !== tag ? `${name} (${tag})` : tag;
  } catch {
    return tag;
  }
}

/** EXIF dates carry no time zone: shown as written, in words, without shifting them. */
function takenAtWords(takenAt) {
  const at = new Date(takenAt + 'Z');
  if (Number.isNaN(at.getTime())) return takenAt;
  return new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(at);
}

function paletteList(palette) {
  const list = el('ul', 'palette');
  for (const colour of palette) {
    const item = el('li', 'colour');
    const swatch = el('span', 'swatch');
    swatch.style.backgroundColor = /^#[0-9a-f]{6}$/i.test(colour.hex) ? colour.hex : 'transparent';
    swatch.title = colour.hex;
    item.append(swatch, el('span', 'colour-name', colour.name), el('span', 'share', percent(colour.share)));
    list.append(item);
  }
  return list;
}

function cameraWords(camera) {
  // Many cameras repeat the make in the model ("Canon" + "Canon EOS 5D").
  const model = camera.model || '';
  const body = camera.make && !model.startsWith(camera.make) ? [camera.make, model].filter(Boolean).join(' ') : model || camera.make || '';
  const settings = [
    camera.lens,
    camera.focalLength ? `${camera.focalLength} mm` : '',
    camera.fNumber ? `f/${camera.fNumber}` : '',
    camera.exposureTime ? (camera.exposureTime < 1 ? `1/${Math.round(1 / camera.exposureTime)} s` : `${camera.exposureTime} s`) : '',
    camera.iso ? `ISO ${camera.iso}` : '',
  ].filter(Boolean);
  return [body, settings.join(', ')].filter(Boolean).join(' — ');
}

function textRead(text) {
  if (!text || text.ocr === 'off') return el('span', 'quiet', 'Not read (text recognition is off)');
  if (text.ocr === 'skipped') return el('span', 'quiet', 'Not read (no text expected in this kind of image)');
  if (!Array.isArray(text.lines) || text.lines.length === 0) return el('span', 'quiet', 'No text found');
  const list = el('ol', 'text-lines');
  for (const line of text.lines) list.append(el('li', '', line.text));
  return list;
}

/** The boxes of an object: every one counted, or its best one. */
const boxesOf = (object) => (Array.isArray(object.boxes) && object.boxes.length > 0 ? object.boxes : object.box ? [object.box] : []);

function objectList(objects) {
  const list = el('ul', 'objects');
  for (const object of objects) {
    const count = object.count > 1 ? `${object.count} × ` : '';
    const sure = object.confidence === 'probable' ? 'probably, ' : '';
    list.append(el('li', '', `${count}${object.label} (${sure}${percent(object.score)})`));
  }
  return list;
}

/**
 * The picture with a labelled frame over each object. Positions are fractions of the
 * analysed size (display pixels), so they scale with the picture whatever its size.
 */
function objectFigure(objects, analysis, imageUrl) {
  const figure = el('figure', 'objects-figure');
  const frame = el('div', 'objects-frame');
  frame.style.aspectRatio = `${analysis.width} / ${analysis.height}`;
  if (imageUrl) {
    const img = el('img', 'objects-image');
    img.alt = '';
    img.src = imageUrl;
    frame.append(img);
  }
  for (const object of objects) {
    for (const box of boxesOf(object)) {
      const mark = el('div', 'object-box');
      mark.style.left = `${(100 * box.x) / analysis.width}%`;
      mark.style.top = `${(100 * box.y) / analysis.height}%`;
      mark.style.width = `${(100 * box.width) / analysis.width}%`;
      mark.style.height = `${(100 * box.height) / analysis.height}%`;
      mark.append(el('span', 'object-label', object.label));
      frame.append(mark);
    }
  }
  figure.append(frame, el('figcaption', 'visually-hidden', 'Where each recognised object is in the image'));
  return figure;
}

/**
 * Fills `container` with the facts of a done result's details.
 * @param {HTMLElement} container
 * @param {Record<string, any>} details
 * @param {{imageUrl?: string}} [options] the picture to draw object boxes over
 */
export function renderDetails(container, details, { imageUrl } = {}) {
  container.replaceChildren();
  const facts = el('dl', 'fact-list');
  const add = (term, value) => {
    if (value === undefined || value === null || value === '') return;
    const dd = el('dd');
    if (typeof value === 'string') dd.textContent = value;
    else dd.append(value);
    facts.append(el('dt', '', term), dd);
  };
  const analysis = details && typeof details.analysis === 'object' ? details.analysis : null;
  const objects = analysis && Array.isArray(analysis.objects) ? analysis.objects.filter((o) => o && o.label) : [];
  if (analysis) {
    add('Kind', KIND_LABEL[analysis.kind] || analysis.kind);
    const shape = [analysis.format ? String(analysis.format).toUpperCase() : '', analysis.orientation].filter(Boolean).join(', ');
    add('Size', `${analysis.width} × ${analysis.height} px` + (shape ? `, ${shape}` : ''));
    if (Array.isArray(analysis.palette) && analysis.palette.length > 0) add('Colours', paletteList(analysis.palette));
    if (analysis.camera) {
      add('Camera', cameraWords(analysis.camera));
      if (analysis.camera.takenAt) add('Taken', takenAtWords(analysis.camera.takenAt));
      if (analysis.camera.hasLocation) add('Location', analysis.camera.location ? `${analysis.camera.location.latitude}, ${analysis.camera.location.longitude}` : 'Recorded in the file (not shown)');
    }
    // With a vision model the model reads the text; the analyzer's OCR is off.
    if (!visionAnswer(details)) add('Text read', textRead(analysis.text));
    if (Array.isArray(analysis.objects)) add('Objects', objects.length > 0 ? objectList(objects) : el('span', 'quiet', 'None recognised'));
    if (typeof analysis.people === 'number') add('People', String(analysis.people));
  }
  const options = details && typeof details.options === 'object' ? details.options : null;
  if (options) {
    add('Length', LENGTH_LABEL[options.length] || options.length);
    if (options.language) add('Language', languageName(options.language));
  }
  if (details && details.model) add('Model', String(details.model));
  addVisionFacts(details, add, el);
  // The vision model failed and the offline analyzer wrote the description instead.
  const fallback = details && details.fallback_reason;
  if (fallback) add('Why the analyzer wrote it', typeof fallback === 'object' ? explain(fallback).words : String(fallback));
  if (details && Array.isArray(details.attempts) && details.attempts.length > 1) add('Attempts', String(details.attempts.length));
  if (analysis && objects.length > 0 && analysis.width > 0 && analysis.height > 0) container.append(objectFigure(objects, analysis, imageUrl));
  container.append(facts);
  return facts.childElementCount > 0 || objects.length > 0;
}
