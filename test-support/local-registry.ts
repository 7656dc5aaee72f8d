import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from './repo-root.js';

/**
 * An npm registry on 127.0.0.1 that serves the packages the workspace already installed
 * (node_modules/.pnpm), so a test can `npm install` into a project of its own without a
 * packet leaving the machine. Every version of a package found there is listed; a package
 * the workspace does not have is a 404, and the install that needed it fails, naming it.
 * Tarballs are packed from the installed folders when first asked for.
 */
export class LocalRegistry {
  private server: Server | undefined;
  private readonly tarballs = new Map<string, Promise<Buffer>>();
  /** Packages asked for that the workspace does not have. */
  readonly missing: string[] = [];

  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('the registry is not listening');
    return `http://127.0.0.1:${address.port}/`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      void this.answer(req.url ?? '/').then(
        (reply) => {
          if (!reply) {
            res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
            return;
          }
          res.writeHead(200, { 'content-type': reply.type, 'content-length': reply.body.length }).end(reply.body);
        },
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async answer(url: string): Promise<{ type: string; body: Buffer } | undefined> {
    const tarball = /^\/-\/([^/]+)\/-\/([^/]+)\.tgz$/.exec(url);
    if (tarball) {
      const name = decodeURIComponent(tarball[1]!);
      const version = decodeURIComponent(tarball[2]!);
      const dir = installedVersions(name).get(version);
      if (!dir) return undefined;
      const key = `${name}@${version}`;
      if (!this.tarballs.has(key)) this.tarballs.set(key, pack(dir));
      return { type: 'application/octet-stream', body: await this.tarballs.get(key)! };
    }
    const name = decodeURIComponent(url.slice(1).split('?')[0]!);
    const versions = installedVersions(name);
    if (versions.size === 0) {
      this.missing.push(name);
      return undefined;
    }
    const manifests = Object.fromEntries(
      [...versions].map(([version, dir]) => {
        const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
        // Install scripts of the workspace's packages already ran when it was installed;
        // the copy served here is as they left it.
        const tarballUrl = `${this.url}-/${encodeURIComponent(name)}/-/${encodeURIComponent(version)}.tgz`;
        return [version, { ...manifest, name, version, dist: { tarball: tarballUrl } }];
      }),
    );
    const latest = [...versions.keys()].sort(compareVersions).at(-1)!;
    const packument = { name, 'dist-tags': { latest }, versions: manifests };
    return { type: 'application/json', body: Buffer.from(JSON.stringify(packument)) };
  }
}

/** Each version of `name` under node_modules/.pnpm, with its folder. */
function installedVersions(name: string): Map<string, string> {
  const store = path.join(REPO_ROOT, 'node_modules', '.pnpm');
  const found = new Map<string, string>();
  if (!/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/i.test(name)) return found;
  const prefix = `${name.replace('/', '+')}@`;
  for (const entry of readdirSync(store)) {
    if (!entry.startsWith(prefix)) continue;
    const dir = path.join(store, entry, 'node_modules', name);
    if (!existsSync(path.join(dir, 'package.json'))) continue;
    const { version } = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
    found.set(version, dir);
  }
  return found;
}

/**
 * An npm tarball of an installed package's folder: its files under `package/`. pnpm's
 * store hard-links files of equal content (zod's x.d.ts and x.d.cts, say), and tar would
 * write the second as a link entry, which npm does not extract: every file goes in whole.
 */
function pack(dir: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['-czf', '-', '--dereference', '--hard-dereference', '--exclude=./node_modules', '-C', dir, '--transform', 's,^\\.,package,', '.'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let errors = '';
    tar.stdout.on('data', (c: Buffer) => chunks.push(c));
    tar.stderr.on('data', (c: Buffer) => (errors += c));
    tar.on('error', reject);
    tar.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`tar ${dir}: ${errors}`))));
  });
}

function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[.-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const [p, q] = [x[i], y[i]];
    if (p === q) continue;
    if (p === undefined) return 1; // 1.0.0 after 1.0.0-rc
    if (q === undefined) return -1;
    return typeof p === 'number' && typeof q === 'number' ? p - q : String(p).localeCompare(String(q));
  }
  return 0;
}
