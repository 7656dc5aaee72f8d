import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';

/** Whether this process has read the package lists (a fresh machine has none). */
let listsRead = false;

const apt = (args: string[], cwd?: string) =>
  execFileSync('apt-get', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 10 * 60_000 });

/**
 * `apt-get download` of Debian package `pkg` into `into` (nothing installed), trying each
 * of `specs` in turn (`pkg=version`, then `pkg`: a point release may have replaced the
 * exact version). When a download fails, the package lists are read once and it is tried
 * again. Returns the .deb's path; throws the last error.
 */
export function downloadDeb(pkg: string, specs: readonly string[], into: string): string {
  let lastError: unknown;
  for (const spec of specs) {
    for (let pass = 0; pass < 2; pass++) {
      try {
        for (const f of readdirSync(into)) if (f.startsWith(`${pkg}_`) && f.endsWith('.deb')) rmSync(path.join(into, f));
        apt(['download', spec], into);
        const deb = readdirSync(into).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
        if (!deb) throw new Error(`apt-get download ${spec} left no .deb`);
        return path.join(into, deb);
      } catch (err) {
        lastError = err;
        if (listsRead) break;
        listsRead = true;
        try {
          apt(['update']);
        } catch {
          break; // the download's error says more
        }
      }
    }
  }
  throw lastError;
}
