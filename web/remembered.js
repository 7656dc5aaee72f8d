// What this browser remembers of the jobs it uploaded: the file's name and a small
// thumbnail. The API keeps neither (a job's upload is removed once it is described),
// so after a reload the history from GET /jobs gets them back from here.

const STORAGE_KEY = 'depict.jobs';
/** Jobs remembered; the oldest are forgotten first. About 10 kB each. */
const MAX_JOBS = 60;
const THUMB_SIDE = 192;

function readAll() {
  try {
    const all = JSON.parse(localStorage.getItem(STORAGE_KEY) || '{}');
    return all && typeof all === 'object' ? all : {};
  } catch {
    return {};
  }
}

function writeAll(all) {
  let entries = Object.entries(all).sort((a, b) => (b[1].at || 0) - (a[1].at || 0)).slice(0, MAX_JOBS);
  // A full storage keeps the newer half rather than nothing.
  while (entries.length > 0) {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(Object.fromEntries(entries)));
      return;
    } catch {
      entries = entries.slice(0, Math.floor(entries.length / 2));
    }
  }
}

/** @returns {{name?: string, thumb?: string}} */
export function recall(jobId) {
  return readAll()[jobId] || {};
}

export function remember(jobId, facts) {
  const all = readAll();
  all[jobId] = { ...all[jobId], ...facts, at: Date.now() };
  writeAll(all);
}

export function forget(jobId) {
  const all = readAll();
  delete all[jobId];
  writeAll(all);
}

/**
 * A JPEG data URL of the image at most THUMB_SIDE px on its long side, or '' when the
 * browser cannot decode it. Decoded with EXIF orientation applied, as the analyzer
 * measures, so boxes drawn over it land where they belong.
 */
export async function thumbnailOf(file) {
  try {
    const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
    const scale = Math.min(1, THUMB_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return canvas.toDataURL('image/jpeg', 0.75);
  } catch {
    return '';
  }
}
