import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { portToTry, waitFor } from './ports.js';

/** Child processes the tests start, kept with their output: a private redis-server among them. */

/**
 * How long a process may take to start. Long: test files run side by side, on a machine
 * that may be busy with other work, and a start there can take many times its usual
 * second or two. A process that dies is seen at once, so a start that fails costs
 * nothing like this; only one that hangs does.
 */
export const START_TIMEOUT_MS = 60_000;

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The JSON lines of a process's output; a line cut short reads as {}. */
export function jsonLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

/** A child process whose output is kept, so a failing test can show it. */
export class Proc {
  output = '';
  readonly exited: Promise<number | null>;
  /** The JSON lines of `output` up to `parsedTo`, each parsed once: tests ask for them again and again while they wait. */
  private parsed: Array<Record<string, unknown>> = [];
  private parsedTo = 0;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    live.add(child);
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        live.delete(child);
        resolve(code);
      }),
    );
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** JSON log lines written so far; a line still being written reads as {}. */
  logs(): Array<Record<string, unknown>> {
    const end = this.output.lastIndexOf('\n') + 1;
    if (end > this.parsedTo) {
      for (const line of jsonLines(this.output.slice(this.parsedTo, end))) this.parsed.push(line);
      this.parsedTo = end;
    }
    return [...this.parsed, ...jsonLines(this.output.slice(this.parsedTo))];
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * A private redis-server without persistence, on a port of its own: redis-server cannot
 * take port 0 and say which port it got, so a port is tried and, when another process
 * holds it, another. `fixedPort` restarts one on the port its clients already use.
 */
export async function startRedis(fixedPort?: number): Promise<{ url: string; port: number; proc: Proc }> {
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? portToTry();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = new Proc('redis', child);
    const ready = await waitFor(
      'redis to accept connections',
      () => {
        if (proc.output.includes('Ready to accept connections')) return true;
        // Its last words are in once its output has ended.
        if (!proc.running && child.stdout.readableEnded) return false;
        return undefined;
      },
      { timeoutMs: START_TIMEOUT_MS },
    );
    if (ready) return { url: `redis://127.0.0.1:${port}`, port, proc };
    if (fixedPort === undefined && attempt < 10 && /address already in use/i.test(proc.output)) continue;
    throw new Error(`redis-server did not start on port ${port}:\n${proc.output}`);
  }
}

/** Run a redis-cli command against a private Redis. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const child = spawn('redis-cli', ['-p', String(port), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await once(child, 'exit');
  return out.trim();
}
