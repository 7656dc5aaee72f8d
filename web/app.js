import { ApiError, getResult, submitImage } from './api.js';

const MIN_POLL_MS = 300;
const MAX_POLL_MS = 2000;

/** What each error code means to a person; the server's own message follows. */
const PLAIN_WORDS = {
  too_large: 'This file is too large.',
  unsupported_media_type: 'This is not a PNG or JPEG image.',
  corrupt_image: 'This image is damaged or incomplete.',
  too_many_pixels: 'This image has too many pixels.',
  no_file: 'No file was received.',
  rate_limited: 'Too many uploads right now; wait a moment and try again.',
  not_ready: 'The service is not ready yet; try again shortly.',
  unreachable: 'The server could not be reached.',
};

const STATE_LABEL = {
  uploading: 'Uploading…',
  queued: 'Queued',
  processing: 'Describing…',
  done: 'Done',
  failed: 'Failed',
};

const fileInput = document.getElementById('file');
const dropZone = document.getElementById('drop-zone');
const jobsList = document.getElementById('jobs');
const empty = document.getElementById('empty');
const announcer = document.getElementById('announcer');
const template = document.getElementById('job-template');

function announce(text) {
  announcer.textContent = text;
}

function plainError(err) {
  const code = err instanceof ApiError ? err.code : 'unknown';
  const words = PLAIN_WORDS[code] || 'Something went wrong.';
  return err && err.message ? words + ' ' + err.message : words;
}

function setState(card, status) {
  card.dataset.status = status;
  card.querySelector('.state').textContent = STATE_LABEL[status] || status;
}

function showError(card, text) {
  setState(card, 'failed');
  card.querySelector('.error').textContent = text;
  announce(card.querySelector('.filename').textContent + ': ' + text);
}

function showDone(card, result) {
  setState(card, 'done');
  // Descriptions are text, always: never parsed as HTML.
  card.querySelector('.description').textContent = result.description;
  card.querySelector('.generated-by').textContent = result._generated_by;
  card.querySelector('.copy').hidden = false;
  announce(card.querySelector('.filename').textContent + ' is described.');
}

function addCard(file) {
  const card = template.content.firstElementChild.cloneNode(true);
  const thumb = card.querySelector('.thumb');
  const url = URL.createObjectURL(file);
  thumb.src = url;
  thumb.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
  thumb.addEventListener('error', () => {
    URL.revokeObjectURL(url);
    thumb.hidden = true;
  }, { once: true });
  card.querySelector('.filename').textContent = file.name;
  card.querySelector('.copy').hidden = true;
  card.querySelector('.copy').addEventListener('click', () => copy(card));
  setState(card, 'uploading');
  jobsList.prepend(card);
  empty.hidden = true;
  return card;
}

async function copy(card) {
  const note = card.querySelector('.copied');
  try {
    await navigator.clipboard.writeText(card.querySelector('.description').textContent);
    note.textContent = 'Copied';
  } catch {
    note.textContent = 'Copy failed: select the text instead';
  }
  setTimeout(() => (note.textContent = ''), 2000);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function follow(card, jobId) {
  let delay = MIN_POLL_MS;
  for (;;) {
    let reply;
    try {
      reply = await getResult(jobId);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'unreachable') {
        card.querySelector('.error').textContent = plainError(err) + ' Retrying…';
        await sleep(MAX_POLL_MS);
        continue;
      }
      showError(card, plainError(err));
      return;
    }
    card.querySelector('.error').textContent = '';
    const result = reply.body;
    if (result.status === 'done') return showDone(card, result);
    if (result.status === 'failed') return showError(card, result.error ? result.error.message : 'The job failed.');
    setState(card, result.status);
    const hinted = reply.retryAfter ? reply.retryAfter * 1000 : delay;
    await sleep(Math.max(MIN_POLL_MS, Math.min(MAX_POLL_MS, hinted, delay)));
    delay = Math.min(MAX_POLL_MS, delay * 1.5);
  }
}

async function upload(file) {
  const card = addCard(file);
  try {
    const job = await submitImage(file);
    card.dataset.jobId = job.job_id;
    setState(card, job.status);
    announce(file.name + ' is queued.');
    await follow(card, job.job_id);
  } catch (err) {
    showError(card, plainError(err));
  }
}

function uploadAll(files) {
  for (const file of files) void upload(file);
}

fileInput.addEventListener('change', () => {
  uploadAll(Array.from(fileInput.files || []));
  fileInput.value = '';
});

dropZone.addEventListener('click', () => fileInput.click());
dropZone.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    fileInput.click();
  }
});
for (const type of ['dragenter', 'dragover']) {
  dropZone.addEventListener(type, (event) => {
    event.preventDefault();
    dropZone.classList.add('dragging');
  });
}
for (const type of ['dragleave', 'drop']) {
  dropZone.addEventListener(type, () => dropZone.classList.remove('dragging'));
}
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  uploadAll(Array.from(event.dataTransfer ? event.dataTransfer.files : []));
});
