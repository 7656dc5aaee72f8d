import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { REPO_ROOT, tempDir } from '../../../test-support/processes.js';

/**
 * docker-compose.yml against the Compose schema (dclint, with .dclintrc) and the
 * Dockerfile (dockerfile-utils), checked without a Docker engine; and what the README
 * promises about them and about Node versions stays true.
 */
const files = suite('the Compose file, the Dockerfile and the versions they need');
const bin = (name: string) => path.join(REPO_ROOT, 'node_modules/.bin', name);
const read = (name: string) => readFileSync(path.join(REPO_ROOT, name), 'utf8');

function dclint(file: string) {
  return spawnSync(bin('dclint'), [file, '--config', path.join(REPO_ROOT, '.dclintrc'), '--max-warnings', '0', '--color', 'false'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

function dockerfileLint(file: string) {
  return spawnSync(bin('dockerfile-utils'), ['lint', file], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
}

files('dclint: docker-compose.yml is valid Compose, without a warning', () => {
  const run = dclint(path.join(REPO_ROOT, 'docker-compose.yml'));
  assert.is(run.status, 0, run.stdout + run.stderr);
});

files('dclint refuses a Compose file the schema does not allow', async () => {
  const dir = await tempDir();
  try {
    const broken = path.join(dir.path, 'docker-compose.yml');
    await writeFile(broken, read('docker-compose.yml').replace('    restart: unless-stopped', '    restart: unless-stopped\n    restart_policy: 3'));
    const run = dclint(broken);
    assert.is.not(run.status, 0);
    assert.match(run.stdout, /invalid-schema/);
  } finally {
    await dir.remove();
  }
});

files('dockerfile-utils: the Dockerfile has no problem; a broken one has', async () => {
  const run = dockerfileLint(path.join(REPO_ROOT, 'Dockerfile'));
  assert.is(run.status, 0, run.stdout + run.stderr);
  assert.is(run.stdout.trim(), '');
  const dir = await tempDir();
  try {
    const broken = path.join(dir.path, 'Dockerfile');
    await writeFile(broken, read('Dockerfile').replace('--interval=10s', '--interval=10'));
    const refused = dockerfileLint(broken);
    assert.is.not(refused.status, 0);
    assert.match(refused.stdout + refused.stderr, /missing unit in duration/);
  } finally {
    await dir.remove();
  }
});

files('Node 22 LTS in every stage of the image; engines and the README name the versions tested', () => {
  const stages = [...read('Dockerfile').matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  assert.ok(stages.length >= 1);
  for (const image of stages) assert.match(image!, /^node:22-/);
  const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
  assert.is(engines, '>=20');
  assert.match(read('README.md'), /Node\.js 20 or 22/);
});

files('the README names the Compose version the file needs', () => {
  const compose = read('docker-compose.yml');
  // env_file entries with `required` came with Compose 2.24.
  if (/^\s+required: /m.test(compose)) {
    assert.match(read('README.md'), /Docker Compose 2\.24 or later/);
    assert.match(compose, /Compose 2\.24 or later/);
  }
});

files('every command the image and Compose run names a file the build makes, as npm start does', () => {
  const commands = [
    ...[...read('Dockerfile').matchAll(/^CMD \["node", "([^"]+)"\]/gm)].map((m) => m[1]!),
    ...[...read('docker-compose.yml').matchAll(/^\s+command: \["node", "([^"]+)"\]/gm)].map((m) => m[1]!),
  ];
  assert.equal(new Set(commands), new Set(['packages/server/bundle/main.mjs', 'packages/worker/bundle/main.mjs']), commands.join(', '));
  for (const file of commands) assert.ok(existsSync(path.join(REPO_ROOT, file)), `npm run build makes ${file}`);
  const start = read('scripts/start.mjs');
  for (const file of commands) assert.ok(start.includes(`'${file}'`), `npm start runs ${file}`);
  // The image builds what the commands run: the bundling script and the bundles' entry are
  // in the build stage.
  assert.match(read('Dockerfile'), /^COPY scripts\/bundle\.mjs scripts\/bundle-entry\.mjs scripts\/$/m);
  assert.match(read('Dockerfile'), /^RUN npm run build /m);
});

files.run();
