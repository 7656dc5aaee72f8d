import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './processes.js';

/**
 * Resolve hooks, run on Node's loader thread: they note every module URL resolved, and
 * answer the specifier `loaded-modules:` with the list so far, as a module.
 */
const HOOKS = `
const seen = new Set();
export async function resolve(specifier, context, next) {
  if (specifier === 'loaded-modules:') {
    return { url: 'data:text/javascript,export default ' + encodeURIComponent(JSON.stringify([...seen])), shortCircuit: true };
  }
  const resolved = await next(specifier, context);
  seen.add(resolved.url);
  return resolved;
}`;

/**
 * Every module file a fresh Node process (plain Node, as `npm start` runs them) loads while
 * importing `entries`, as paths: ES modules through a resolve hook, CommonJS ones from
 * require.cache (a require inside a CommonJS module passes no ESM hook).
 */
export function modulesLoadedBy(entries: string[]): string[] {
  const script = `
import { createRequire, register } from 'node:module';
import { fileURLToPath } from 'node:url';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}));
for (const entry of ${JSON.stringify(entries.map((e) => pathToFileURL(e).href))}) await import(entry);
const { default: esm } = await import('loaded-modules:');
const cjs = Object.keys(createRequire(import.meta.url).cache);
const files = esm.filter((url) => url.startsWith('file:')).map((url) => fileURLToPath(url));
console.log(JSON.stringify([...new Set([...files, ...cjs])]));
process.exit(0);`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as string[];
}
