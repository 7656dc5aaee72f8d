#!/usr/bin/env node
// `npm start`: make sure Redis answers at REDIS_URL (starting a local redis-server when
// one is installed and none answers), then run the server and one worker until Ctrl-C,
// and print the UI's address once the server answers.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadConfig } = await import(pathToFileURL(path.join(root, 'packages/core/dist/index.js')).href);

let config;
try {
  config = loadConfig();
} catch (err) {
  console.error(`depict: ${err.message}`);
  process.exit(1);
}

function redisAnswers(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) });
    socket.setTimeout(1000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG') || d.toString().startsWith('-NOAUTH'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const children = [];
async function ensureRedis() {
  if (await redisAnswers(config.redisUrl)) return;
  const { hostname, port } = new URL(config.redisUrl);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(hostname);
  const hasRedis = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!local || !hasRedis) {
    console.error(
      `depict: nothing answers at REDIS_URL=${config.redisUrl}.\n` +
        (local
          ? '  Install Redis (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and run npm start again,\n' +
            '  or point REDIS_URL at a running Redis.'
          : '  Start that Redis, or point REDIS_URL at one that runs.'),
    );
    process.exit(1);
  }
  const dir = path.join(config.dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  console.log(`depict: starting redis-server on port ${port || 6379} (data in ${dir})`);
  const redis = spawn('redis-server', ['--port', String(port || 6379), '--bind', '127.0.0.1', '--dir', dir], {
    stdio: 'ignore',
  });
  children.push(redis);
  for (let i = 0; i < 50 && !(await redisAnswers(config.redisUrl)); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await redisAnswers(config.redisUrl))) {
    console.error('depict: redis-server did not start');
    process.exit(1);
  }
}

await ensureRedis();
// Request lines are for debugging here: at debug, so they show only with LOG_LEVEL=debug,
// unless REQUEST_LOG_LEVEL (the environment or .env) says otherwise.
const env = { ...process.env, REQUEST_LOG_LEVEL: process.env.REQUEST_LOG_LEVEL || 'debug' };
for (const entry of ['packages/server/bundle/main.mjs', 'packages/worker/bundle/main.mjs']) {
  if (!existsSync(path.join(root, entry))) {
    console.error(`depict: ${entry} is missing; run npm run build`);
    process.exit(1);
  }
  children.push(spawn(process.execPath, [path.join(root, entry)], { stdio: 'inherit', cwd: root, env }));
}

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  for (const child of children.reverse()) child.kill('SIGTERM');
  setTimeout(() => process.exit(0), 35_000).unref();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of children) {
  child.on('exit', (code) => {
    if (!stopping) {
      console.error(`depict: a process exited (code ${code}); stopping the rest`);
      stop();
      process.exitCode = 1;
    }
  });
}

/** Whether the server answers HTTP yet; any status will do (ALLOWED_HOSTS may refuse this Host). */
async function answers(url) {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

// The address is printed once the server listens, so it opens when it is read.
const host = ['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host;
const origin = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
while (!stopping && !(await answers(`${origin}/health`))) await new Promise((r) => setTimeout(r, 200));
if (!stopping) console.log(`\nDepict is running: open ${origin}/ui (API docs at /docs). Ctrl-C stops it.\n`);
