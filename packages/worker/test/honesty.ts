import * as assert from 'uvu/assert';
import { describeFacts, type Analysis } from '../src/analyzer/index.js';

/** Colour names come from the palette, the accent and the layout of the image. */
export const coloursNamed = (f: Analysis) => [...f.palette.map((c) => c.name), ...(f.accent ? [f.accent.name] : []), ...(f.layout ? [f.layout.top, f.layout.bottom] : [])];

/**
 * Every length of an image's description says only what its analysis holds: quotes read
 * from it, numbers it measured, colours named in it (`palette`: every colour name any
 * image of the corpus has, so a name from another image is caught).
 */
export function assertHonest(name: string, facts: Analysis, palette: ReadonlySet<string>): void {
  for (const length of ['alt', 'normal', 'detailed'] as const) {
    const text = describeFacts(facts, length);
    const quoted = [...text.matchAll(/"([^"]+)"/g)].map((m) => m[1]!.replace(/…$/, ''));
    const lines = facts.text.lines.map((l) => l.text).join(' / ');
    for (const q of quoted) assert.ok(lines.includes(q), `${name}/${length}: quoted "${q}" not read from the image`);
    // Numbers: sizes, megapixels, shares, EXIF values and coordinates, nothing else.
    const allowed = new Set<string>([
      String(facts.width), String(facts.height), facts.megapixels.toFixed(1), '0.1', String(facts.bitDepth),
      ...facts.palette.map((c) => String(Math.round(c.share * 100))),
      String(Math.round(facts.transparentShare * 100)),
      String(Math.round(facts.overexposedShare * 100)),
      String(Math.round(facts.underexposedShare * 100)),
      String(Math.round(facts.clippedHighlights * 100)),
      String(Math.round(facts.clippedShadows * 100)),
      String(Math.round(facts.translucentShare * 100)),
    ]);
    const cam = facts.camera;
    if (cam?.takenAt) {
      const [y, m, d] = cam.takenAt.slice(0, 10).split('-');
      allowed.add(y!).add(String(Number(d))).add(String(Number(m)));
    }
    for (const v of [cam?.iso, cam?.fNumber, cam?.focalLength, cam?.exposureTime && Math.round(1 / cam.exposureTime), cam?.exposureTime && Number(cam.exposureTime.toFixed(1)), 1]) {
      if (v) allowed.add(String(v));
    }
    for (const name of [cam?.make, cam?.model, cam?.lens, cam?.software]) {
      for (const n of name?.match(/\d+(\.\d+)?/g) ?? []) allowed.add(n);
    }
    if (cam?.location) allowed.add(cam.location.latitude.toFixed(5)).add(cam.location.longitude.toFixed(5));
    const withoutQuotes = text.replace(/"[^"]*"/g, '').replace(/\b\d+(\.\d+)? MP\b/, (m) => m.replace(' MP', ''));
    for (const n of withoutQuotes.match(/-?\d+(\.\d+)?/g) ?? []) {
      assert.ok(allowed.has(n) || allowed.has(n.replace(/^-/, '')), `${name}/${length}: ${n} in "${text}"`);
    }
    // Colour words only when measured in this image.
    for (const colour of palette) {
      if (new RegExp(`\\b${colour}\\b`).test(text.replace(/"[^"]*"/g, ''))) {
        assert.ok(
          coloursNamed(facts).some((c) => c === colour || c.includes(colour)) || (facts.uniform && facts.palette[0]?.name.includes(colour)),
          `${name}/${length}: ${colour} in "${text}"`,
        );
      }
    }
  }
}
