import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { downloadDeb } from './apt-package.js';
import { readRccMember } from './labelled-images.js';
import { REPO_ROOT } from './repo-root.js';

const run = promisify(execFile);

/**
 * Real images from Debian packages, for the recognition tests and benchmark: downloaded
 * with `apt-get download` and unpacked with `dpkg -x` (nothing installed), once per
 * machine, into DEPICT_IMAGE_CACHE (default: the temp folder). Their licences are the
 * packages' own, so the repository keeps labels only.
 */
export const IMAGE_CACHE = process.env.DEPICT_IMAGE_CACHE ?? path.join(os.tmpdir(), 'depict-debian-images');

const unpacking = new Map<string, Promise<string>>();

/** The folder a package is unpacked in; concurrent callers (and processes) share one unpack. */
export function unpackedPackage(pkg: string): Promise<string> {
  const root = path.join(IMAGE_CACHE, pkg);
  let done = unpacking.get(pkg);
  if (!done) {
    done = (async () => {
      if (existsSync(path.join(root, '.complete'))) return root;
      await mkdir(IMAGE_CACHE, { recursive: true });
      const work = await mkdtemp(path.join(IMAGE_CACHE, `.${pkg}-`));
      try {
        const deb = downloadDeb(pkg, [pkg], work);
        await run('dpkg', ['-x', deb, path.join(work, 'tree')]);
        await rm(deb);
        await mkdir(path.join(work, 'tree', '.complete'));
        // Another process may have won the race: its copy is as good as ours.
        await rename(path.join(work, 'tree'), root).catch(() => undefined);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
      if (!existsSync(path.join(root, '.complete'))) throw new Error(`unpacking ${pkg} failed`);
      return root;
    })();
    unpacking.set(pkg, done);
    done.catch(() => unpacking.delete(pkg));
  }
  return done;
}

/**
 * The path on disk of `file` (absolute, as installed) from Debian package `pkg`; with
 * `member`, of that member of the Qt resource bundle `file`, taken out once.
 */
export async function debianImage(pkg: string, file: string, member?: string): Promise<string> {
  const found = path.join(await unpackedPackage(pkg), file);
  if (!existsSync(found)) throw new Error(`${pkg} has no ${file}`);
  if (!member) return found;
  const out = path.join(IMAGE_CACHE, `${pkg}-members`, path.basename(file, '.rcc'), member);
  if (!existsSync(out)) {
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(`${out}.part`, readRccMember(await readFile(found), member));
    await rename(`${out}.part`, out);
  }
  return out;
}

export interface RecognitionLabel {
  readonly package: string;
  readonly path: string;
  /** The image inside the Qt resource bundle at `path`. */
  readonly member?: string;
  /** It shows an animal (COCO's or another): "an animal" is right for it. */
  readonly animal?: boolean;
  /** The main subject when it is a COCO class. */
  readonly subject: string | null;
  /** COCO classes in the picture that a description should name. */
  readonly present: readonly string[];
  /** COCO classes there in part or arguably: naming them is not false. */
  readonly allowed: readonly string[];
  readonly people?: number;
  readonly note?: string;
  /** "wildlife": added after the first calibration, to measure it on unseen pictures. */
  readonly set?: string;
}

const LABELS = path.join(REPO_ROOT, 'bench', 'recognition', 'labels.json');

export async function recognitionLabels(): Promise<RecognitionLabel[]> {
  return (JSON.parse(await readFile(LABELS, 'utf8')) as { images: RecognitionLabel[] }).images;
}

/** One of the labelled images by its file name ("messi5.jpg"), fetched. */
export async function labelledImage(name: string): Promise<{ file: string; label: RecognitionLabel }> {
  const label = (await recognitionLabels()).find((l) => path.basename(l.member ?? l.path) === name);
  if (!label) throw new Error(`no labelled image ${name}`);
  return { file: await debianImage(label.package, label.path, label.member), label };
}
