import exifr from 'exifr';
import type { CameraFacts } from '@depict/contract';

const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim().replace(/\0+$/, '') : undefined);
const number = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** "2024:05:03 14:22:01" -> "2024-05-03T14:22:01"; EXIF dates have no time zone, so none is invented. */
export function exifDate(v: unknown): string | undefined {
  const m = typeof v === 'string' ? /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(v) : null;
  if (!m || m[1] === '0000') return undefined;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
}

/** Drop undefined fields, so details.analysis holds only what the file said. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Camera facts from EXIF. A file without EXIF, or with EXIF too broken to read, gives
 * null: a missing fact, never a failed job. GPS is reduced to "has location data"
 * unless the operator asked for coordinates.
 */
export async function readCamera(source: string | Buffer, options: { revealGps: boolean }): Promise<CameraFacts | null> {
  let raw: Record<string, unknown> | undefined;
  try {
    raw = await exifr.parse(source, {
      tiff: true,
      exif: true,
      gps: true,
      interop: false,
      ifd1: false,
      xmp: false,
      icc: false,
      iptc: false,
      jfif: false,
      ihdr: false,
      translateValues: false,
      reviveValues: false,
    });
  } catch {
    return null;
  }
  if (!raw) return null;
  const latitude = number(raw.latitude);
  const longitude = number(raw.longitude);
  const hasLocation = latitude !== undefined && longitude !== undefined;
  // GPS tags that exifr could not turn into coordinates: malformed, not absent.
  const gpsTags = Object.keys(raw).some((k) => /^GPS(Latitude|Longitude)$/.test(k));
  const camera = compact<CameraFacts>({
    make: text(raw.Make),
    model: text(raw.Model),
    lens: text(raw.LensModel),
    takenAt: exifDate(raw.DateTimeOriginal ?? raw.CreateDate ?? raw.DateTime),
    iso: number(raw.ISO) ?? number(Array.isArray(raw.ISO) ? raw.ISO[0] : undefined),
    exposureTime: number(raw.ExposureTime),
    fNumber: number(raw.FNumber),
    focalLength: number(raw.FocalLength),
    software: text(raw.Software),
    hasLocation,
    locationUnreadable: gpsTags && !hasLocation ? true : undefined,
    location: hasLocation && options.revealGps ? { latitude: latitude!, longitude: longitude! } : undefined,
  });
  return Object.keys(camera).length > 1 || hasLocation || gpsTags ? camera : null;
}
