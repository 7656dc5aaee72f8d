// One card on the page: a picked file, its job's state, and then its description or
// its error. Every string that came from the server or from the file goes in through
// textContent, so a description such as `<img src=x onerror=...>` stays text.

import { STATE_LABEL, explain } from './messages.js';

const COPIED_VISIBLE_MS = 2500;

export class JobCard {
  #copiedTimer = 0;
  /** What "Try again" does for the failure shown, if anything. */
  #onRetry = undefined;

  /**
   * @param {HTMLTemplateElement} template the #job-template element
   * @param {File} file the picked or dropped file
   * @param {{announce: (text: string) => void}} hooks
   */
  constructor(template, file, hooks) {
    this.element = /** @type {HTMLElement} */ (template.content.firstElementChild.cloneNode(true));
    this.name = file.name || 'Unnamed image';
    this.announce = hooks.announce;
    this.part('.filename').textContent = this.name;
    this.part('.copy-target').textContent = ' of ' + this.name;
    this.part('.copy').addEventListener('click', () => void this.copy());
    this.part('.retry').addEventListener('click', () => this.#onRetry?.());
    this.showThumbnail(file);
  }

  part(selector) {
    return this.element.querySelector(selector);
  }

  /** A preview from the local file; its object URL is released once the image is decoded. */
  showThumbnail(file) {
    const img = this.part('.thumb');
    const url = URL.createObjectURL(file);
    img.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
    img.addEventListener(
      'error',
      () => {
        URL.revokeObjectURL(url);
        img.hidden = true;
        this.element.classList.add('no-thumb');
      },
      { once: true },
    );
    img.src = url;
  }

  /** Sets data-status and the visible label; tells screen readers only when it changes. */
  setState(status, label = STATE_LABEL[status] || status) {
    const changed = this.element.dataset.status !== status;
    this.element.dataset.status = status;
    this.part('.state').textContent = label;
    if (changed) this.announce(this.name + ': ' + label);
  }

  waitingToUpload() {
    this.reset();
    this.setState('uploading', 'Waiting to upload…');
  }

  uploading() {
    this.reset();
    this.setState('uploading');
  }

  /** The server took the file: from here on the card follows job `job.job_id`. */
  accepted(job) {
    this.element.dataset.jobId = job.job_id;
    this.setState(job.status || 'queued');
  }

  /** A passing problem (server unreachable while polling, say): shown, but not a failure. */
  showNotice(text) {
    const notice = this.part('.notice');
    notice.textContent = text;
    notice.hidden = false;
  }

  clearNotice() {
    const notice = this.part('.notice');
    notice.textContent = '';
    notice.hidden = true;
  }

  /**
   * @param {{code?: string, message?: string, status?: number}} error an ApiError or a job's error
   * @param {{onRetry?: () => void}} options what "Try again" does; without it, no button
   */
  fail(error, { onRetry } = {}) {
    const { words, detail } = explain(error);
    this.clearNotice();
    this.part('.error-words').textContent = words;
    this.part('.error-detail').textContent = detail ? ' ' + detail : '';
    this.part('.error').hidden = false;
    this.#onRetry = onRetry;
    this.part('.retry').hidden = !onRetry;
    this.element.dataset.status = 'failed';
    this.part('.state').textContent = STATE_LABEL.failed;
    this.announce(this.name + ': failed. ' + words);
  }

  /** @param {{description?: string, _generated_by?: string, details?: unknown}} result */
  done(result) {
    this.clearNotice();
    this.part('.description').textContent = String(result.description ?? '');
    this.part('.description').hidden = false;
    const by = String(result._generated_by ?? '');
    this.part('.generated-by').textContent = by;
    this.part('.generated-by-line').hidden = by === '';
    this.part('.copy').hidden = false;
    if (result.details && typeof result.details === 'object' && Object.keys(result.details).length > 0) {
      this.part('.details-json').textContent = JSON.stringify(result.details, null, 2);
      this.part('.details').hidden = false;
    }
    this.element.dataset.status = 'done';
    this.part('.state').textContent = STATE_LABEL.done;
    this.announce(this.name + ': described.');
  }

  /** Back to a blank card, for a retried upload. */
  reset() {
    delete this.element.dataset.jobId;
    this.clearError();
  }

  /** The job is being tried again: the error goes, the job id stays. */
  retrying() {
    this.clearError();
    this.setState('queued');
  }

  clearError() {
    this.#onRetry = undefined;
    this.clearNotice();
    this.part('.error').hidden = true;
    this.part('.error-words').textContent = '';
    this.part('.error-detail').textContent = '';
    this.part('.retry').hidden = true;
  }

  async copy() {
    const description = this.part('.description');
    const note = this.part('.copied');
    clearTimeout(this.#copiedTimer);
    try {
      // Missing outside a secure context (plain http to a LAN address, say).
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(description.textContent);
      note.textContent = 'Copied';
      this.#copiedTimer = setTimeout(() => (note.textContent = ''), COPIED_VISIBLE_MS);
    } catch {
      const selection = window.getSelection();
      const range = document.createRange();
      range.selectNodeContents(description);
      selection.removeAllRanges();
      selection.addRange(range);
      note.textContent = 'This browser blocked copying. The text is selected: press Ctrl+C (⌘C on a Mac).';
    }
  }
}
