/** Small helpers to talk to a running server over plain HTTP, as curl would. */

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

async function reply(res: Response): Promise<Reply> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body };
}

/**
 * POST /submit. The content cache is off unless asked for: most tests submit the same
 * small images again and again and mean each one to be processed.
 */
export async function submit(
  baseUrl: string,
  file: Buffer | Uint8Array,
  { filename = 'image.png', field = 'file', type = 'application/octet-stream', cache = false } = {},
): Promise<Reply> {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(file)], { type }), filename);
  if (!cache) form.append('cache', 'false');
  return reply(await fetch(`${baseUrl}/submit`, { method: 'POST', body: form }));
}

export async function get(baseUrl: string, path: string): Promise<Reply> {
  return reply(await fetch(`${baseUrl}${path}`));
}

/** POST a JSON body (or none), as curl -X POST would. */
export async function post(baseUrl: string, path: string, body?: unknown): Promise<Reply> {
  return reply(
    await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    }),
  );
}

/**
 * Ask /result until the job is done or failed. Between asks, a long poll of /status
 * (?wait=) returns when the job's state changes: test files run side by side, and
 * asking twenty times a second for each job they wait on was much of the machine's work.
 * A second at most, so a change whose notice is lost (Redis away) is seen soon all the same.
 */
export async function waitForResult(baseUrl: string, jobId: string, timeoutMs = 30_000): Promise<Reply> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await get(baseUrl, `/result/${jobId}`);
    if (r.status !== 202) return r;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${r.body.status} after ${timeoutMs} ms`);
    const waited = await get(baseUrl, `/status/${jobId}?wait=1`);
    // A server that cannot wait (restarting, say) answers at once: do not ask it in a tight loop.
    if (waited.status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
