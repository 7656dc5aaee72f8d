// The SDK as its users get it: packed into a tarball with the contract it depends on,
// installed into a fresh Node project outside the workspace (no @depict/server, no
// @depict/core), type-checked with tsc and run against a live server: the consumer
// below, and the README's TypeScript example exactly as written. Its types must be
// real, not `any`: the consumer holds @ts-expect-error lines that fail the compile if
// they are.
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { scene } from '../../../test-support/images.js';
import { LocalRegistry } from '../../../test-support/local-registry.js';
import { REPO_ROOT, Stack, tempDir } from '../../../test-support/processes.js';
import { readmeBlock } from '../../../test-support/readme.js';

const run = promisify(execFile);
const packaged = suite('@depict/sdk packed and installed in a separate project');
const stack = new Stack();
const registry = new LocalRegistry();
let project: Awaited<ReturnType<typeof tempDir>>;

const CONSUMER = `
import { readFile } from 'node:fs/promises';
import { DepictClient, DepictApiError, type Analysis, type DoneResult, type JobStatus } from '@depict/sdk';

const client = new DepictClient({ baseUrl: process.env.DEPICT_URL! });
const image = await readFile(process.argv[2]!);

const result: DoneResult = await client.describe(image, { filename: 'scene.png', length: 'alt' });
const status: JobStatus = (await client.status(result.job_id)).status;
// @ts-expect-error -- a job's status is a closed set of strings
const wrong: JobStatus = 'finished';
// @ts-expect-error -- results have no such field
result.descripton;

let missing = '';
try {
  await client.result('00000000-0000-4000-8000-000000000000');
} catch (err) {
  if (err instanceof DepictApiError) missing = err.code + ' ' + err.status;
}
const page = await client.list({ status: 'done', limit: 5 });
// The analysis is typed from the contract's AnalysisSchema.
const analysis: Analysis | undefined = result.details.analysis;
const colour: string | undefined = analysis?.palette[0]?.name;
// @ts-expect-error -- a colour's share is a number
const share: string | undefined = result.details.analysis?.palette[0]?.share;
console.log(JSON.stringify({ id: result.job_id, description: result.description, status, missing, listed: page.items.length, wrong, colour, share }));
`;

packaged.before(async () => {
  project = await tempDir('depict-sdk-consumer-');
  assert.ok(!project.path.startsWith(REPO_ROOT), 'the consumer project lives outside the workspace');
  await Promise.all([stack.start(), registry.start()]);
});
packaged.after(async () => {
  await Promise.all([stack.stop(), registry.close()]);
  await project.remove();
});

packaged('the packed SDK installs with the contract alone, type-checks with tsc and describes an image', async () => {
  const pack = async (dir: string, prefix: string) => {
    // --offline: the pnpm that setup installed, from npx's cache. Without it npx asks
    // registry.npmjs.org about pnpm@12.4.2 first, and a test sends nothing off the machine.
    await run('npx', ['--offline', '--yes', 'pnpm@12.4.2', 'pack', '--pack-destination', project.path], { cwd: path.join(REPO_ROOT, dir) });
    const tarball = (await readdir(project.path)).find((name) => name.startsWith(prefix) && name.endsWith('.tgz'));
    assert.ok(tarball, `pnpm pack wrote ${prefix}'s tarball`);
    const { stdout: listing } = await run('tar', ['-tzf', path.join(project.path, tarball!)]);
    assert.ok(listing.includes('package/dist/index.d.ts'), `${prefix}'s declarations are packed`);
    assert.not.ok(/package\/(src|test)\//.test(listing), 'sources and tests stay out of the tarball');
    return tarball!;
  };
  const contract = await pack('packages/contract', 'depict-contract-');
  const tarball = await pack('packages/sdk', 'depict-sdk-');

  await writeFile(path.join(project.path, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await writeFile(
    path.join(project.path, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'out', types: ['node'] },
      files: ['consumer.ts', 'readme.ts'],
    }),
  );
  await writeFile(path.join(project.path, 'consumer.ts'), CONSUMER);
  await writeFile(path.join(project.path, 'readme.ts'), readmeBlock('ts', '@depict/sdk'));
  // Only the two tarballs and what any TypeScript user has: a registry serves the SDK's own
  // dependencies (@trpc/client, zod, eventsource) and TypeScript, nothing else comes from the
  // workspace. The registry is a local one serving the workspace's installed copies, so the
  // install resolves every declared range as npm does, offline; npm's settings and cache
  // are the project's own, so nothing the machine's npm has set or kept is used.
  const typescript = (JSON.parse(await readFile(path.join(REPO_ROOT, 'node_modules/typescript/package.json'), 'utf8')) as { version: string }).version;
  await writeFile(path.join(project.path, '.npmrc'), `registry=${registry.url}\naudit=false\nfund=false\nupdate-notifier=false\n`);
  // npm passes its own settings to the scripts it runs as npm_config_* variables: none of them here.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_config_/i.test(key)));
  await run('npm', ['install', '--loglevel=error', `--cache=${path.join(project.path, '.npm-cache')}`, `./${contract}`, `./${tarball}`, `typescript@${typescript}`, '@types/node@20'], {
    cwd: project.path,
    env: { ...env, npm_config_userconfig: path.join(project.path, 'no-user-npmrc'), npm_config_globalconfig: path.join(project.path, 'no-global-npmrc') },
    timeout: 240_000,
  }).catch((err: { stderr?: string }) => assert.unreachable(`npm install failed (packages the workspace lacks: ${registry.missing.join(', ') || 'none'}):\n${err.stderr}`));
  assert.equal(await readdir(path.join(project.path, 'node_modules/@depict')), ['contract', 'sdk'], 'no other workspace package came along');

  await run(path.join(project.path, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: project.path }).catch((err: { stdout?: string }) => {
    assert.unreachable(`tsc failed:\n${err.stdout}`);
  });

  const imageFile = path.join(project.path, 'scene.png');
  await writeFile(imageFile, await scene(320, 240));
  const { stdout } = await run('node', ['out/consumer.js', imageFile], {
    cwd: project.path,
    env: { ...process.env, DEPICT_URL: stack.url },
    timeout: 60_000,
  });
  const out = JSON.parse(stdout.trim()) as { id: string; description: string; status: string; missing: string; listed: number; colour?: string };
  assert.match(out.id, /^[0-9a-f-]{36}$/);
  assert.ok(out.description.length > 10 && out.description.length <= 125, out.description);
  assert.is(out.status, 'done');
  assert.is(out.missing, 'not_found 404');
  assert.ok(out.listed >= 1);
  assert.ok(out.colour && /^[a-z ]+$/.test(out.colour), `a palette colour's name: ${out.colour}`);

  // The README's example, compiled above, describes the photo it reads and names its main colour.
  await writeFile(path.join(project.path, 'photo.jpg'), await scene(480, 320, 'jpeg'));
  const example = await run('node', ['out/readme.js'], { cwd: project.path, env: { ...process.env, DEPICT_URL: stack.url }, timeout: 60_000 });
  const [described, colour] = example.stdout.trim().split('\n');
  assert.match(described!, / depict-analyzer@/, example.stdout + example.stderr);
  assert.match(colour!, /^mostly [a-z ]+, \d+%$/);
  assert.is(example.stderr, '');

  // The CLI ships in the same tarball.
  const cli = await run(path.join(project.path, 'node_modules/.bin/depict'), ['result', out.id, '--server', stack.url], { cwd: project.path });
  assert.ok(cli.stdout.includes(out.description), cli.stdout);
});

packaged.run();
