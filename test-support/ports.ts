export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A port for a process that cannot listen on port 0 and report the port it got
 * (redis-server: `--port 0` turns TCP off). Taken below the kernel's ephemeral range
 * (32768-60999 on Linux), where port-0 listeners and outgoing connections get theirs,
 * so only another explicit choice can collide with it, and the caller retries on
 * "address in use". The range is wide so that such retries are rare.
 */
export function portToTry(): number {
  return 20_000 + Math.floor(Math.random() * 12_000);
}

/** Thrown by a `waitFor` check when waiting longer cannot help (the process it waits on exited). */
export class GiveUp extends Error {}

/**
 * Poll until `check` returns a value other than undefined, or fail after `timeoutMs`.
 * A check that throws is tried again, unless it throws GiveUp. Thirty seconds unless
 * told: test files share a machine that others use too, where what takes a second alone
 * can take ten, and a wait that succeeds costs only the time it took.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 30_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      lastError = err;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await sleep(intervalMs);
  }
}
