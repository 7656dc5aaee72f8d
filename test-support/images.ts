import sharp from 'sharp';

export { sharp };

export interface Paint {
  width: number;
  height: number;
  color?: string;
}

/** A solid-colour PNG. */
export function png({ width, height, color = '#3a7bd5' }: Paint): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();
}

/** A solid-colour JPEG. */
export function jpeg({ width, height, color = '#d55a3a' }: Paint): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } }).jpeg({ quality: 90 }).toBuffer();
}

/** An image with a shape on it, so a decode has something to look at. */
export function scene(width: number, height: number, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#87ceeb"/>
    <rect y="${Math.round(height * 0.6)}" width="100%" height="${Math.round(height * 0.4)}" fill="#2e8b57"/>
    <circle cx="${Math.round(width * 0.75)}" cy="${Math.round(height * 0.25)}" r="${Math.round(Math.min(width, height) * 0.1)}" fill="#ffd700"/>
  </svg>`;
  const image = sharp(Buffer.from(svg));
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 90 }).toBuffer();
}
