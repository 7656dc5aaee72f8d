// The page: picking or dropping images, uploading each one, and following its job
// until it is done or failed.

import { ApiError, getResult, retryJob, storeApiKey, storedApiKey, submitImage } from './api.js';
import { CODES } from './codes.js';
import { JobCard } from './job-card.js';

/** Between two polls of a queued or processing job, whatever Retry-After says. */
const MIN_POLL_MS = 300;
const MAX_POLL_MS = 2000;
/** After a passing error (unreachable, 429, 503), back off up to this long. */
const MAX_BACKOFF_MS = 30000;
/** Uploads in flight at once; the rest wait their turn so polls are not starved. */
const UPLOAD_SLOTS = 3;

const fileInput = /** @type {HTMLInputElement} */ (document.getElementById('file'));
const dropZone = document.getElementById('drop-zone');
const jobsList = document.getElementById('jobs');
const empty = document.getElementById('empty');
const announcer = document.getElementById('announcer');
const template = /** @type {HTMLTemplateElement} */ (document.getElementById('job-template'));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const clamp = (ms, low, high) => Math.min(high, Math.max(low, ms));

function announce(text) {
  announcer.textContent = text;
}

// The API key form shows once the server asks for a key (401), or when one is stored.
const keyForm = /** @type {HTMLFormElement} */ (document.getElementById('api-key-form'));
const keyInput = /** @type {HTMLInputElement} */ (document.getElementById('api-key'));
keyInput.value = storedApiKey();
keyForm.hidden = !keyInput.value;
keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  storeApiKey(keyInput.value.trim());
  announce(keyInput.value.trim() ? 'API key saved.' : 'API key removed.');
});

function askForKey() {
  if (!keyForm.hidden) return;
  keyForm.hidden = false;
  keyInput.focus();
}

/** Anything thrown that is not an ApiError is a bug in this page; say so plainly. */
function asApiError(err) {
  return err instanceof ApiError ? err : new ApiError('unknown', err instanceof Error ? err.message : String(err), 0);
}

/**
 * Failures that trying again cannot mend: the same bytes would fail the same way. Any
 * other failed job gets "Try again", which retries it on the server (keeping its
 * history) or, once the server has let go of the upload, sends the file again.
 */
/** A job failure that trying again cannot change (codes.js is served from the contract). */
const isFinal = (code) => Boolean(CODES[code]) && !CODES[code].retry;

async function retryFailed(card, jobId, file) {
  card.retrying();
  try {
    await retryJob(jobId);
  } catch (thrown) {
    const err = asApiError(thrown);
    if (err.code === 'upload_gone' || err.code === 'not_found') return upload(card, file);
    if (err.code === 'unauthorized') askForKey();
    return card.fail(err, { onRetry: () => void retryFailed(card, jobId, file) });
  }
  await follow(card, jobId, file);
}

async function follow(card, jobId, file) {
  let pollDelay = MIN_POLL_MS;
  let backoff = 1000;
  for (;;) {
    let reply;
    try {
      reply = await getResult(jobId);
    } catch (thrown) {
      const err = asApiError(thrown);
      if (!err.transient) return card.fail(err);
      card.showNotice(
        (err.status === 0 ? 'The server could not be reached' : 'The server is busy') + '; checking again shortly…',
      );
      await sleep(clamp(err.retryAfterMs || backoff, MIN_POLL_MS, MAX_BACKOFF_MS));
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      continue;
    }
    backoff = 1000;
    card.clearNotice();
    const result = reply.body;
    if (result.status === 'done') return card.done(result);
    if (result.status === 'failed') {
      const error = result.error || { code: 'unknown', message: 'The job failed.' };
      const onRetry = isFinal(error.code) ? undefined : () => void retryFailed(card, jobId, file);
      return card.fail(error, { onRetry });
    }
    if (result.status === 'canceled') return card.fail({ code: 'canceled', message: '' });
    card.setState(result.status);
    await sleep(clamp(reply.retryAfterMs || pollDelay, MIN_POLL_MS, MAX_POLL_MS));
    pollDelay = Math.min(MAX_POLL_MS, pollDelay * 1.5);
  }
}

let freeSlots = UPLOAD_SLOTS;
const waiting = [];

async function takeSlot() {
  if (freeSlots > 0) {
    freeSlots -= 1;
    return;
  }
  await new Promise((resolve) => waiting.push(resolve));
}

function releaseSlot() {
  const next = waiting.shift();
  if (next) next();
  else freeSlots += 1;
}

async function upload(card, file) {
  card.waitingToUpload();
  await takeSlot();
  let job;
  try {
    card.uploading();
    job = await submitImage(file);
  } catch (thrown) {
    const err = asApiError(thrown);
    if (err.code === 'unauthorized') askForKey();
    const retryable = err.transient || err.code === 'unauthorized';
    card.fail(err, { onRetry: retryable ? () => void upload(card, file) : undefined });
    return;
  } finally {
    releaseSlot();
  }
  card.accepted(job);
  await follow(card, job.job_id, file);
}

function uploadAll(files) {
  if (files.length === 0) return;
  const cards = files.map((file) => {
    const card = new JobCard(template, file, { announce });
    return { card, file };
  });
  jobsList.prepend(...cards.map(({ card }) => card.element));
  empty.hidden = true;
  for (const { card, file } of cards) void upload(card, file);
}

fileInput.addEventListener('change', () => {
  uploadAll(Array.from(fileInput.files || []));
  // Picking the same file again should upload it again.
  fileInput.value = '';
});

dropZone.addEventListener('click', () => fileInput.click());
dropZone.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    fileInput.click();
  }
});

// dragenter/dragleave fire for every child crossed, so count them to know when the
// pointer has really left the zone.
let dragDepth = 0;
dropZone.addEventListener('dragenter', (event) => {
  event.preventDefault();
  dragDepth += 1;
  dropZone.classList.add('dragging');
});
dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
});
dropZone.addEventListener('dragleave', () => {
  dragDepth = Math.max(0, dragDepth - 1);
  if (dragDepth === 0) dropZone.classList.remove('dragging');
});
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  dragDepth = 0;
  dropZone.classList.remove('dragging');
  uploadAll(Array.from(event.dataTransfer ? event.dataTransfer.files : []));
});

// A file dropped beside the zone would otherwise replace this page with the image.
for (const type of ['dragover', 'drop']) {
  window.addEventListener(type, (event) => {
    if (dropZone.contains(/** @type {Node} */ (event.target))) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'none';
  });
}
