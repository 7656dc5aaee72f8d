/**
 * The labelled set of real images (bench/quality/labels.json): photographs, screenshots,
 * charts, diagrams, illustrations and logos that Debian 12 packages ship. The images are
 * not kept in the repository; this module fetches each package once with
 * `apt-get download`, unpacks it with `dpkg -x` (nothing is installed), checks every
 * image against the sha256 in the labels and caches it under DEPICT_IMAGE_CACHE
 * (default ~/.cache/depict/images). Some images sit inside a Qt resource bundle (.rcc);
 * `member` names them and readRccMember takes them out.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { downloadDeb } from './apt-package.js';
import { REPO_ROOT } from './repo-root.js';

export const LABELS_FILE = path.join(REPO_ROOT, 'bench', 'quality', 'labels.json');

export interface LabelledObject {
  label: string;
  count: number;
}

export interface Label {
  id: string;
  package: string;
  version: string;
  path: string;
  member?: string;
  sha256: string;
  bytes: number;
  subject: string;
  coco_subject: string | null;
  objects: LabelledObject[];
  /** COCO labels not wrong if named (partly visible or arguable), not required. */
  objects_also?: string[];
  people: number | null;
  kind: string;
  kind_also?: string[];
  text: string | null;
  blur: 'none' | 'blur' | 'motion';
  transparency: 'none' | 'background' | 'translucent';
  grayscale: boolean;
  /** false: no clipped white or black cuts into a subject; null: not judged. */
  clipping: boolean | null;
  notes?: string;
}

export interface LabelledImage extends Label {
  /** The cached image, exactly the bytes the package ships. */
  file: string;
}

export function readLabels(): Label[] {
  const parsed = JSON.parse(readFileSync(LABELS_FILE, 'utf8')) as { images: Label[] };
  return parsed.images;
}

export function cacheDir(): string {
  return process.env.DEPICT_IMAGE_CACHE || path.join(homedir(), '.cache', 'depict', 'images');
}

/** Thrown when the set cannot be fetched; its message says what to do. */
export class LabelledImagesUnavailable extends Error {}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function run(cmd: string, args: string[], cwd: string): void {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 10 * 60_000 });
}

/** Downloads and unpacks one package; a newer point release than labelled is still judged by the sha256 checks. */
function unpack(pkg: string, version: string, dir: string): string {
  // Per process, so test files fetching at once never share a half-written package.
  const work = path.join(dir, `work-${process.pid}`);
  const target = path.join(work, 'x', `${pkg}_${version}`);
  if (existsSync(path.join(target, '.done'))) return target;
  const debs = path.join(work, 'debs');
  mkdirSync(debs, { recursive: true });
  try {
    const deb = downloadDeb(pkg, [`${pkg}=${version}`, pkg], debs);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    run('dpkg', ['-x', deb, target], dir);
    rmSync(deb);
    writeFileSync(path.join(target, '.done'), path.basename(deb));
    return target;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new LabelledImagesUnavailable(
      `cannot fetch the Debian package ${pkg} (${version}) for the labelled image set: ${detail.slice(0, 400)}. ` +
        'It needs apt-get and dpkg with access to the Debian archive (run as root, or fill DEPICT_IMAGE_CACHE beforehand).',
    );
  }
}

/**
 * One file out of a Qt resource bundle (rcc format 1..3): a header, a tree of 14- or
 * 22-byte entries, a names table (UTF-16BE) and a data table (a 4-byte length, then the
 * bytes). Only uncompressed members are read, which is how rcc stores images.
 */
export function readRccMember(bundle: Buffer, member: string): Buffer {
  if (bundle.toString('latin1', 0, 4) !== 'qres') throw new Error('not a Qt resource bundle');
  const version = bundle.readUInt32BE(4);
  const tree = bundle.readUInt32BE(8);
  const data = bundle.readUInt32BE(12);
  const names = bundle.readUInt32BE(16);
  const entrySize = version === 1 ? 14 : 22;
  const nameAt = (offset: number) => {
    const length = bundle.readUInt16BE(names + offset);
    return bundle.subarray(names + offset + 6, names + offset + 6 + 2 * length).swap16().toString('utf16le');
  };
  let node = 0;
  for (const part of member.split('/').filter(Boolean)) {
    const at = tree + node * entrySize;
    if ((bundle.readUInt16BE(at + 4) & 2) === 0) throw new Error(`${member}: ${part} is under a file`);
    const count = bundle.readUInt32BE(at + 6);
    const first = bundle.readUInt32BE(at + 10);
    let found = -1;
    for (let k = 0; k < count && found < 0; k++) {
      if (nameAt(bundle.readUInt32BE(tree + (first + k) * entrySize)) === part) found = first + k;
    }
    if (found < 0) throw new Error(`${member}: no ${part} in the bundle`);
    node = found;
  }
  const at = tree + node * entrySize;
  const flags = bundle.readUInt16BE(at + 4);
  if (flags !== 0) throw new Error(`${member}: stored with flags ${flags}, not as plain bytes`);
  const offset = data + bundle.readUInt32BE(at + 10);
  return bundle.subarray(offset + 4, offset + 4 + bundle.readUInt32BE(offset));
}

function extension(label: Label): string {
  return path.extname(label.member ?? label.path).toLowerCase() || '.bin';
}

/**
 * The labelled images, fetched and checked; ids narrows the set. Throws
 * LabelledImagesUnavailable, with the reason, when a package cannot be had or an image
 * differs from its label.
 */
export function labelledImages(ids?: readonly string[]): LabelledImage[] {
  const dir = cacheDir();
  const wanted = readLabels().filter((l) => !ids || ids.includes(l.id));
  if (ids) {
    const missing = ids.filter((id) => !wanted.some((l) => l.id === id));
    if (missing.length) throw new Error(`no labelled image ${missing.join(', ')}`);
  }
  mkdirSync(path.join(dir, 'files'), { recursive: true });
  const unpacked = new Map<string, string>();
  const images = wanted.map((label) => {
    const file = path.join(dir, 'files', `${label.id}-${label.sha256.slice(0, 12)}${extension(label)}`);
    if (!existsSync(file)) {
      const key = `${label.package}_${label.version}`;
      if (!unpacked.has(key)) unpacked.set(key, unpack(label.package, label.version, dir));
      const source = path.join(unpacked.get(key)!, label.path);
      if (!existsSync(source)) throw new LabelledImagesUnavailable(`${label.package} has no ${label.path}`);
      const whole = readFileSync(source);
      const bytes = label.member ? readRccMember(whole, label.member) : whole;
      const got = sha256(bytes);
      if (got !== label.sha256) {
        throw new LabelledImagesUnavailable(`${label.id}: sha256 ${got} in ${label.package}, labelled ${label.sha256}`);
      }
      writeFileSync(`${file}.part`, bytes);
      renameSync(`${file}.part`, file);
    }
    return { ...label, file };
  });
  // The unpacked packages are large (130 MB) and every image is now cached on its own.
  if (unpacked.size) rmSync(path.join(dir, `work-${process.pid}`), { recursive: true, force: true });
  return images;
}
