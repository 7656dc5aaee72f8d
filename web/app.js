// The page: the API key, the options, the upload control, and one card per job, for
// the images uploaded here and for those the server lists from before.

import { deleteJob, retryJob, storeApiKey, storedApiKey, submitImage, submitUrl } from './api.js';
import { CODES } from './codes.js';
import { asApiError, follow } from './follow.js';
import { History } from './history.js';
import { JobCard } from './job-card.js';
import { explain } from './messages.js';
import { bindOptions } from './options.js';
import { forget, recall, remember, thumbnailOf } from './remembered.js';
import { bindUploadControl } from './upload-control.js';

/** Uploads in flight at once; the rest wait their turn so event streams and polls are not starved. */
const UPLOAD_SLOTS = 2;

const jobsList = document.getElementById('jobs');
const empty = document.getElementById('empty');
const announcer = document.getElementById('announcer');
const template = /** @type {HTMLTemplateElement} */ (document.getElementById('job-template'));
const readOptions = bindOptions(/** @type {HTMLFormElement} */ (document.getElementById('options')), {
  box: /** @type {HTMLDetailsElement} */ (document.getElementById('options-box')),
  summary: document.getElementById('options-summary'),
});

/** The cards on the page by job id, so a job listed again is not shown twice. */
const cards = new Map();

function announce(text) {
  announcer.textContent = text;
}

function showEmptyNote() {
  empty.hidden = jobsList.childElementCount > 0;
}

// The API key form shows once the server asks for a key (401), or when one is stored.
const keyForm = /** @type {HTMLFormElement} */ (document.getElementById('api-key-form'));
const keyInput = /** @type {HTMLInputElement} */ (document.getElementById('api-key'));
keyInput.value = storedApiKey();
keyForm.hidden = !keyInput.value;
keyForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  storeApiKey(key);
  announce(key ? 'API key saved.' : 'API key removed.');
  // Each key has its own jobs: the history is that key's.
  for (const [jobId, card] of cards) {
    if (card.fromHistory) {
      card.element.remove();
      cards.delete(jobId);
    }
  }
  showEmptyNote();
  void history.reload();
});

function askForKey() {
  if (!keyForm.hidden) return;
  keyForm.hidden = false;
  keyInput.focus();
}

/** A job failure that trying again cannot change (codes.js is served from the contract). */
const isFinal = (code) => Boolean(CODES[code]) && !CODES[code].retry;

/**
 * What "Try again" does for a failed job: retry it on the server (keeping its history),
 * or, once the server has let go of the upload, send the file again if this page has it.
 */
function retryOf(card, file) {
  return (error) => (isFinal(error.code) ? undefined : () => void retryFailed(card, file));
}

const followHooks = (card, file) => ({ retry: retryOf(card, file), onUnauthorized: askForKey });

async function retryFailed(card, file) {
  const jobId = card.jobId;
  card.retrying();
  try {
    await retryJob(jobId);
  } catch (thrown) {
    const err = asApiError(thrown);
    if (file && (err.code === 'upload_gone' || err.code === 'not_found')) return upload(card, file);
    if (err.code === 'unauthorized') askForKey();
    const again = err.transient || err.code === 'unauthorized';
    return card.fail(err, { onRetry: again ? () => void retryFailed(card, file) : undefined });
  }
  await follow(card, jobId, followHooks(card, file));
}

async function removeJob(card) {
  const jobId = card.jobId;
  if (!jobId) {
    card.element.remove();
    showEmptyNote();
    return;
  }
  try {
    const { status } = await deleteJob(jobId);
    if (status === 204) {
      card.element.remove();
      cards.delete(jobId);
      forget(jobId);
      announce(card.name + ': removed.');
      showEmptyNote();
    } else {
      card.canceled();
    }
  } catch (thrown) {
    const err = asApiError(thrown);
    if (err.code === 'unauthorized') askForKey();
    card.showNotice(explain(err).words);
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

/** Send an image, a File or a URL the server fetches, and follow its job. */
async function upload(card, file) {
  card.waitingToUpload();
  await takeSlot();
  let job;
  try {
    card.uploading();
    job = await (file instanceof URL ? submitUrl(file.href, readOptions()) : submitImage(file, readOptions()));
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
  cards.set(job.job_id, card);
  remember(job.job_id, { name: card.name, thumb: card.pictureUrl });
  await follow(card, job.job_id, followHooks(card, file instanceof URL ? undefined : file));
}

async function uploadAll(files) {
  if (files.length === 0) return;
  const picked = files.map((file) => ({ file, card: new JobCard(template, { name: file.name, announce, onRemove: removeJob }) }));
  jobsList.prepend(...picked.map(({ card }) => card.element));
  showEmptyNote();
  for (const { file, card } of picked) {
    card.waitingToUpload();
    void thumbnailOf(file).then((thumb) => {
      card.showPicture(thumb);
      return upload(card, file);
    });
  }
}

bindUploadControl(/** @type {HTMLLabelElement} */ (document.getElementById('drop-zone')), (files) => void uploadAll(files));

const urlForm = /** @type {HTMLFormElement} */ (document.getElementById('url-form'));
urlForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ (urlForm.elements.namedItem('url'));
  let url;
  try {
    url = new URL(input.value.trim());
  } catch {
    input.setCustomValidity('Enter a full address, starting with https://');
    input.reportValidity();
    return;
  }
  input.setCustomValidity('');
  const last = url.pathname.split('/').filter(Boolean).pop();
  let name = url.hostname;
  try {
    if (last) name = decodeURIComponent(last);
  } catch {
    name = last || url.hostname;
  }
  const card = new JobCard(template, { name, announce, onRemove: removeJob });
  jobsList.prepend(card.element);
  showEmptyNote();
  input.value = '';
  void upload(card, url);
});

/** Jobs from GET /jobs, after those already on the page. */
function showListed(items) {
  for (const item of items) {
    if (!item || typeof item.job_id !== 'string' || cards.has(item.job_id)) continue;
    const kept = recall(item.job_id);
    // Uploaded from another browser, or by another client: the name the upload carried.
    const card = new JobCard(template, { name: kept.name || item.filename || 'Unnamed image', announce, onRemove: removeJob });
    card.fromHistory = true;
    card.showPicture(kept.thumb || '');
    card.showCreatedAt(item.created_at);
    card.accepted(item);
    cards.set(item.job_id, card);
    jobsList.append(card.element);
    const finished = item.status === 'done' || item.status === 'failed' || item.status === 'canceled';
    void follow(card, item.job_id, { ...followHooks(card, undefined), finished, openDetails: false });
  }
  showEmptyNote();
}

const history = new History({
  button: /** @type {HTMLButtonElement} */ (document.getElementById('load-more')),
  note: document.getElementById('history-note'),
  onItems: showListed,
  onUnauthorized: askForKey,
});
void history.reload();
