#!/usr/bin/env node
// depict: describe images from the command line through a Depict server.
import { appendFile, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DepictClient } from './client.js';
import { DepictApiError, DepictJobFailedError } from './errors.js';

const USAGE = `Usage:
  depict describe <files, folders or image URLs...> [--urls FILE] [--out results.jsonl] [--format jsonl|csv] [--sidecar]
                  [--concurrency 4] [--length alt|normal|detailed] [--language en] [--prompt "..."]
  depict status <job_id>      the job's state
  depict result <job_id>      the job's result (waits for nothing)
  depict watch <job_id>       wait for the job to finish, then print its result
  depict retry <job_id>       queue a failed job again
  depict retry --failed [--error-code CODE] [--since ISO-TIME]
                              queue again every failed job that matches

Options:
  --server URL       the Depict server (or DEPICT_URL; default http://127.0.0.1:8000)
  --api-key KEY      sent as a Bearer token (or DEPICT_API_KEY)
  --urls FILE        also describe the image URLs in FILE, one per line (the server fetches them)
  --out FILE         append results to FILE; images already in it are skipped on a rerun
  --format jsonl|csv one line per image (default jsonl)
  --sidecar          write <image>.txt next to each image; images with one are skipped
  --concurrency N    images in flight at once (default 4)
`;

const IMAGE = /\.(png|jpe?g)$/i;
/** An image named by URL: the server fetches it. */
const isUrl = (target: string) => /^https?:\/\//i.test(target);

interface Row {
  file: string;
  job_id: string | null;
  status: string;
  description: string | null;
  generated_by: string | null;
  error: string | null;
}

/** Local images (folders searched), sorted, then the URLs in the order given. */
async function imagesIn(targets: string[]): Promise<string[]> {
  const found: string[] = [];
  const urls = targets.filter(isUrl);
  for (const target of targets.filter((t) => !isUrl(t))) {
    const info = await stat(target);
    if (info.isDirectory()) {
      const entries = await readdir(target, { recursive: true, withFileTypes: true });
      for (const e of entries) if (e.isFile() && IMAGE.test(e.name)) found.push(path.join(e.parentPath, e.name));
    } else {
      found.push(target);
    }
  }
  return [...[...new Set(found.map((f) => path.resolve(f)))].sort(), ...new Set(urls)];
}

/** The URLs of a --urls file: one per line; blank lines and lines starting with # are skipped. */
async function urlsIn(file: string): Promise<string[]> {
  const lines = (await readFile(file, 'utf8')).split(/\r?\n/).map((l) => l.trim());
  const urls = lines.filter((l) => l && !l.startsWith('#'));
  const bad = urls.find((u) => !isUrl(u));
  if (bad) throw new Error(`${file}: not an http(s) URL: ${bad}`);
  return urls;
}

async function alreadyDone(out: string | undefined, format: string): Promise<Set<string>> {
  if (!out) return new Set();
  let text = '';
  try {
    text = await readFile(out, 'utf8');
  } catch {
    return new Set();
  }
  const done = new Set<string>();
  for (const line of text.split('\n').filter(Boolean)) {
    if (format === 'csv' && line === CSV_HEADER) continue;
    if (format === 'csv') {
      const file = /^"((?:[^"]|"")*)"/.exec(line)?.[1]?.replace(/""/g, '"');
      if (file && !line.includes(',"failed",')) done.add(file);
    } else {
      try {
        const row = JSON.parse(line) as Row;
        if (row.status === 'done') done.add(row.file);
      } catch {
        // a torn last line: describe that image again
      }
    }
  }
  return done;
}

const csvCell = (v: string | null) => `"${(v ?? '').replace(/"/g, '""')}"`;
/** The columns of a CSV row, named in its first line. */
const CSV_COLUMNS = ['file', 'job_id', 'status', 'description', 'generated_by', 'error'] as const;
const CSV_HEADER = CSV_COLUMNS.map(csvCell).join(',');
const format = (row: Row, kind: string) =>
  kind === 'csv'
    ? CSV_COLUMNS.map((column) => csvCell(row[column])).join(',')
    : JSON.stringify(row);

function progress(done: number, total: number, failed: number) {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = total ? Math.round((done / total) * width) : width;
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${failed ? ` (${failed} failed)` : ''}`);
}

async function describe(client: DepictClient, files: string[], values: Record<string, string | boolean | undefined>) {
  const kind = values.format === 'csv' ? 'csv' : 'jsonl';
  const out = values.out as string | undefined;
  const skip = await alreadyDone(out, kind);
  const todo: string[] = [];
  for (const file of files) {
    if (skip.has(file)) continue;
    if (values.sidecar && !isUrl(file)) {
      try {
        await stat(`${file}.txt`);
        continue;
      } catch {
        // no sidecar yet
      }
    }
    todo.push(file);
  }
  const skipped = files.length - todo.length;
  if (skipped) process.stderr.write(`skipping ${skipped} image(s) already described\n`);
  const concurrency = Math.max(1, Number(values.concurrency ?? 4));
  // A CSV starts with its column names: on stdout, or in an --out file that is new or empty.
  if (kind === 'csv') {
    const header = `${CSV_HEADER}\n`;
    if (!out) process.stdout.write(header);
    else if (((await stat(out).catch(() => undefined))?.size ?? 0) === 0) await appendFile(out, header);
  }
  let next = 0;
  let finished = 0;
  let failed = 0;
  const emit = async (row: Row) => {
    const line = `${format(row, kind)}\n`;
    if (out) await appendFile(out, line);
    else process.stdout.write(line);
    if (values.sidecar && row.description && !isUrl(row.file)) await writeFile(`${row.file}.txt`, `${row.description}\n`);
  };
  const worker = async () => {
    while (next < todo.length) {
      const file = todo[next++]!;
      let row: Row;
      try {
        const result = await client.describe(isUrl(file) ? new URL(file) : file, {
          ...(values.length ? { length: values.length as 'alt' | 'normal' | 'detailed' } : {}),
          ...(values.language ? { language: String(values.language) } : {}),
          ...(values.prompt ? { prompt: String(values.prompt) } : {}),
          timeoutMs: 600_000,
        });
        row = { file, job_id: result.job_id, status: 'done', description: result.description, generated_by: result._generated_by, error: null };
      } catch (err) {
        failed++;
        const jobId = err instanceof DepictJobFailedError ? err.jobId : null;
        row = { file, job_id: jobId, status: 'failed', description: null, generated_by: null, error: err instanceof Error ? err.message : String(err) };
      }
      await emit(row);
      finished++;
      progress(finished, todo.length, failed);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, worker));
  if (process.stderr.isTTY && todo.length) process.stderr.write('\n');
  process.stderr.write(`${finished - failed} described, ${failed} failed, ${skipped} skipped\n`);
  return failed ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      'api-key': { type: 'string' },
      urls: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      sidecar: { type: 'boolean' },
      concurrency: { type: 'string' },
      length: { type: 'string' },
      language: { type: 'string' },
      prompt: { type: 'string' },
      failed: { type: 'boolean' },
      'error-code': { type: 'string' },
      since: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  const apiKey = values['api-key'] ?? process.env.DEPICT_API_KEY;
  const client = new DepictClient({
    baseUrl: values.server ?? process.env.DEPICT_URL ?? 'http://127.0.0.1:8000',
    ...(apiKey ? { apiKey } : {}),
  });
  const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  switch (command) {
    case 'describe':
      if (rest.length === 0 && !values.urls) throw new Error('describe needs files, folders or URLs');
      return describe(client, [...(await imagesIn(rest)), ...(values.urls ? await urlsIn(values.urls) : [])], values);
    case 'status':
      print(await client.status(rest[0] ?? ''));
      return 0;
    case 'result':
      print(await client.result(rest[0] ?? ''));
      return 0;
    case 'watch':
      print(await client.wait(rest[0] ?? '', { timeoutMs: 3_600_000 }));
      return 0;
    case 'retry':
      if (values.failed) {
        const filter = {
          ...(values['error-code'] ? { error_code: values['error-code'] } : {}),
          ...(values.since ? { since: values.since } : {}),
        };
        print(await client.retryMany(filter));
      } else {
        if (!rest[0]) throw new Error('retry needs a job id, or --failed');
        print(await client.retry(rest[0]));
      }
      return 0;
    default:
      process.stderr.write(`unknown command ${command}\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof DepictApiError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    process.stderr.write(`depict: ${message}\n`);
    process.exit(1);
  },
);
