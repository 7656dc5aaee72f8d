import { deltaE, rgbOfHex, rgbToLab, type Lab } from './colour-space.js';

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
  ['indigo', '#4b0082'],
  ['purple', '#800080'],
  ['violet', '#8f5fd7'],
  ['lavender', '#c8b4e8'],
  ['magenta', '#ff00ff'],
  ['pink', '#ffc0cb'],
  ['hot pink', '#ff69b4'],
  ['plum', '#8e4585'],
];

const NAMED_LAB: ReadonlyArray<{ name: string; lab: Lab }> = NAMED.map(([name, hex]) => ({
  name,
  lab: rgbToLab(...rgbOfHex(hex)),
}));

export function nameOf(colour: Lab): string {
  let best = NAMED_LAB[0]!;
  let bestDistance = Infinity;
  for (const entry of NAMED_LAB) {
    const d = deltaE(colour, entry.lab);
    if (d < bestDistance) {
      bestDistance = d;
      best = entry;
    }
  }
  return best.name;
}
