// Images the benchmarks make for themselves, so nothing is downloaded.
import sharp from 'sharp';

const svg = (width, height, body) =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`);

/**
 * A 12-megapixel photo-like JPEG: gradient sky, hills, a sun, and grain everywhere like
 * sensor noise. More grain means more entropy and a bigger file, and JPEG decoding time
 * follows the file's entropy, so the benchmark runs a grainy and a cleaner variant.
 */
export async function photo12mp(file, { width = 4000, height = 3000, grain = 20 } = {}) {
  const scene = await sharp(
    svg(width, height, `
      <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#4a90d9"/><stop offset="1" stop-color="#bfe0f7"/></linearGradient></defs>
      <rect width="100%" height="100%" fill="url(#sky)"/>
      <path d="M0 ${height * 0.65} Q ${width * 0.3} ${height * 0.45} ${width * 0.6} ${height * 0.62} T ${width} ${height * 0.58} V ${height} H 0 Z" fill="#3d7a3a"/>
      <circle cx="${width * 0.78}" cy="${height * 0.22}" r="${height * 0.08}" fill="#ffd54a"/>`),
  )
    .png()
    .toBuffer();
  const noise = await sharp({ create: { width, height, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: grain } } })
    .png()
    .toBuffer();
  await sharp(scene).composite([{ input: noise, blend: 'overlay' }]).jpeg({ quality: 90 }).toFile(file);
}

/** A text page at 1700 x 2200 (200 dpi letter), black on white. */
export async function textPage(file) {
  const lines = [
    'Depict benchmark page',
    'The quick brown fox jumps over the lazy dog.',
    'Invoices are due within thirty days of receipt.',
    'Meeting moved to Thursday at ten in room four.',
    'Keep this document for your records.',
  ];
  await sharp(
    svg(1700, 2200, '<rect width="100%" height="100%" fill="#ffffff"/>' +
      lines.map((l, i) => `<text x="150" y="${250 + i * 90}" font-family="serif" font-size="${i ? 44 : 64}" fill="#000000">${l}</text>`).join('')),
  )
    .png()
    .toFile(file);
}
