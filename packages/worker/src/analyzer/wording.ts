import type { AnalysisFacts } from './facts.js';
import type { PaletteColour } from './palette.js';

const FORMAT_NAME = { png: 'PNG', jpeg: 'JPEG' } as const;

const percent = (share: number) => `${Math.round(share * 100)}%`;

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'An' : 'A';
}

function listColours(colours: readonly PaletteColour[]): string {
  const parts = colours.map((c) => `${c.name} (${percent(c.share)})`);
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

function colourSentence(f: AnalysisFacts): string | undefined {
  const [first, ...rest] = f.palette;
  if (!first) return undefined;
  if (f.uniform) return undefined; // said in the opening: "A solid red ..."
  const main = f.palette.filter((c) => c.share >= 0.1);
  const minor = rest.filter((c) => c.share < 0.1);
  let sentence = main.length > 1 ? `Mostly ${listColours(main)}` : `Mostly ${listColours([first])}`;
  if (minor.length) sentence += `, with some ${minor.map((c) => c.name).join(', ')}`;
  return `${sentence}.`;
}

function lightSentence(f: AnalysisFacts): string {
  const contrast = { low: 'low contrast', moderate: 'moderate contrast', high: 'high contrast' }[f.contrast];
  const brightness = { dark: 'Dark', dim: 'Dim', balanced: 'Medium brightness', bright: 'Bright' }[f.brightness];
  return `${brightness}, with ${contrast}.`;
}

/** Pure: facts in, a short paragraph out, most telling first. Says nothing the facts do not. */
export function describeFacts(f: AnalysisFacts): string {
  const solid = f.uniform ? f.palette[0]?.name : undefined;
  const tone = f.blackAndWhite ? 'black-and-white' : f.grayscale ? 'grayscale' : undefined;
  const shape = f.orientation === 'tall' ? 'tall' : f.orientation;
  const lead = [solid ? `solid ${solid}` : tone, shape, FORMAT_NAME[f.format], 'image'].filter(Boolean).join(' ');
  const size = `${f.width} x ${f.height} (${f.megapixels < 0.1 ? '<0.1' : f.megapixels.toFixed(1)} MP)`;

  const sentences = [`${article(lead)} ${lead}, ${size}.`];
  if (f.hasAlpha && f.transparentShare > 0) {
    sentences.push(
      f.transparentShare >= 0.99
        ? 'It is fully transparent.'
        : `About ${percent(f.transparentShare)} of it is transparent.`,
    );
  }
  const colours = colourSentence(f);
  if (colours && !f.grayscale) sentences.push(colours);
  if (!f.uniform && f.transparentShare < 0.99) sentences.push(lightSentence(f));
  return sentences.join(' ');
}
