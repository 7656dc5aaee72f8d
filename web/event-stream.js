// GET /events/:id: a job's states as server-sent events, read with fetch rather than
// EventSource because EventSource cannot send the Authorization header an API key
// needs. Whoever calls this falls back to polling when the stream fails.

import { authHeaders } from './api.js';

const FINAL = new Set(['done', 'failed', 'canceled']);
/** The server sends a keep-alive every 15 s; this long without a byte means a proxy holds the stream back. */
const SILENCE_MS = 40_000;

/** Streams open at once. A browser opens about six connections per server, and uploads and result calls need some. */
const STREAM_SLOTS = 3;
let openStreams = 0;

/** Whether another stream may open now. */
export const streamSlotFree = () => openStreams < STREAM_SLOTS;

/**
 * Calls onStatus with each state the server sends for the job, the current one first.
 * Resolves to "finished" once a final state came, "ended" when the server closed the
 * stream before that (the job was deleted, the server restarted), or "failed" when no
 * stream could be had at all (blocked, refused, not an event stream) or it fell silent.
 * @param {string} jobId
 * @param {(status: {job_id: string, status: string}) => void} onStatus
 * @returns {Promise<'finished' | 'ended' | 'failed'>}
 */
export async function streamStates(jobId, onStatus) {
  openStreams += 1;
  const abort = new AbortController();
  let silent = false;
  let connected = false;
  let timer = 0;
  const heard = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      silent = true;
      abort.abort();
    }, SILENCE_MS);
  };
  try {
    heard();
    const response = await fetch('/events/' + encodeURIComponent(jobId), {
      headers: { accept: 'text/event-stream', ...authHeaders() },
      cache: 'no-store',
      signal: abort.signal,
    });
    const type = response.headers.get('content-type') || '';
    if (!response.ok || !response.body || !type.startsWith('text/event-stream')) {
      abort.abort();
      return 'failed';
    }
    connected = true;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 'ended';
      heard();
      buffer += value.replace(/\r\n?/g, '\n');
      let end;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        const event = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        if (event.type !== 'status' || !event.data) continue;
        let view;
        try {
          view = JSON.parse(event.data);
        } catch {
          continue;
        }
        onStatus(view);
        if (FINAL.has(view.status)) {
          abort.abort();
          return 'finished';
        }
      }
    }
  } catch {
    return silent || !connected ? 'failed' : 'ended';
  } finally {
    clearTimeout(timer);
    openStreams -= 1;
  }
}

/** One event's block of lines: its type and its data (comments and ids are skipped). */
function parseEvent(block) {
  let type = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  return { type, data: data.join('\n') };
}
