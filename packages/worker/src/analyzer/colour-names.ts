import { chroma, rgbOfHex, rgbToLab, type Lab } from './colour-space.js';

/**
 * Colour names people recognise, with a typical sRGB value each. A measured colour takes
 * the name whose value is nearest in Lab, so the list only needs to cover the space
 * evenly, not to be exhaustive.
 */
const NAMED: ReadonlyArray<readonly [name: string, hex: string]> = [
  ['black', '#000000'],
  ['charcoal', '#36454f'],
  ['dark gray', '#555555'],
  ['gray', '#808080'],
  ['silver', '#b8b8b8'],
  ['light gray', '#d9d9d9'],
  ['white', '#ffffff'],
  ['cream', '#fffdd0'],
  ['beige', '#e8dcc0'],
  ['tan', '#d2b48c'],
  ['brown', '#8b5a2b'],
  ['dark brown', '#4a2c17'],
  ['maroon', '#800000'],
  ['dark red', '#8b0000'],
  ['deep red', '#b01030'],
  ['red', '#e02020'],
  ['crimson', '#dc143c'],
  ['salmon', '#fa8072'],
  ['coral', '#ff7f50'],
  ['orange', '#ff8c00'],
  ['peach', '#ffcba4'],
  ['gold', '#ffd700'],
  ['yellow', '#ffff00'],
  ['mustard', '#d4a017'],
  ['olive', '#808000'],
  ['dark olive green', '#556b2f'],
  ['lime green', '#32cd32'],
  ['light green', '#90ee90'],
  ['green', '#228b22'],
  ['sea green', '#2e8b57'],
  ['forest green', '#1b4d2b'],
  ['dark green', '#006400'],
  ['mint', '#98ff98'],
  ['teal', '#008080'],
  ['turquoise', '#40e0d0'],
  ['cyan', '#00ffff'],
  ['sky blue', '#87ceeb'],
  ['light blue', '#add8e6'],
  ['steel blue', '#4682b4'],
  ['blue', '#1f4fe0'],
  ['royal blue', '#4169e1'],
  ['navy', '#000080'],
  ['dark blue', '#142a66'],
  ['indigo', '#4b0082'],
  ['purple', '#800080'],
  ['violet', '#8f5fd7'],
  ['lavender', '#c8b4e8'],
  ['magenta', '#ff00ff'],
  ['pink', '#ffc0cb'],
  ['hot pink', '#ff69b4'],
  ['plum', '#8e4585'],
];

const NAMED_LAB: ReadonlyArray<{ name: string; lab: Lab; chroma: number }> = NAMED.map(([name, hex]) => {
  const lab = rgbToLab(...rgbOfHex(hex));
  return { name, lab, chroma: chroma(lab) };
});

/** Under this chroma a colour is a gray to the eye; over the other it is never one. */
const NEUTRAL_CHROMA = 8;
const COLOURED_CHROMA = 18;

/**
 * Distance in LCh with hue counting twice: a dark saturated blue is
 * nearer navy than charcoal, and a deep red nearer red than plum.
 */
function distance(p: Lab, pc: number, q: { lab: Lab; chroma: number }): number {
  const dl = p.l - q.lab.l;
  const dc = pc - q.chroma;
  const da = p.a - q.lab.a;
  const db = p.b - q.lab.b;
  const dh2 = Math.max(0, da * da + db * db - dc * dc);
  return Math.sqrt(dl * dl + dc * dc + 4 * dh2);
}

/**
 * The name people would use. Saturation decides first: a colour with little chroma takes a
 * neutral name (black, gray, white...), a clearly coloured one never does; then the
 * nearest name by hue, chroma and lightness.
 */
const NEUTRAL_NAMES = NAMED_LAB.filter((e) => e.chroma < NEUTRAL_CHROMA * 2);
const COLOURED_NAMES = NAMED_LAB.filter((e) => e.chroma >= NEUTRAL_CHROMA);

export function nameOf(colour: Lab): string {
  const c = chroma(colour);
  const candidates = c < NEUTRAL_CHROMA ? NEUTRAL_NAMES : c >= COLOURED_CHROMA ? COLOURED_NAMES : NAMED_LAB;
  let best = candidates[0]!;
  let bestDistance = Infinity;
  for (const entry of candidates) {
    const d = distance(colour, c, entry);
    if (d < bestDistance) {
      bestDistance = d;
      best = entry;
    }
  }
  return best.name;
}

/** The Lab value a colour name stands for (undefined for a name not in the list). */
export function labOfName(name: string): Lab | undefined {
  return NAMED_LAB.find((e) => e.name === name)?.lab;
}
