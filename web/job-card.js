// One card on the page: an image, its job's state, and then its description or its
// error. Every string that came from the server or from the file goes in through
// textContent, so a description such as `<img src=x onerror=...>` stays text.

import { renderDetails } from './details-view.js';
import { STATE_LABEL, explain } from './messages.js';

const COPIED_VISIBLE_MS = 2500;

export class JobCard {
  #copiedTimer = 0;
  /** What "Try again" does for the failure shown, if anything. */
  #onRetry = undefined;
  /** The picture shown, also drawn under object boxes. */
  #pictureUrl = '';
  /** Whether the card offers Remove (DELETE /jobs/:id) once it has a job. */
  #removable = false;
  /** A card made from GET /jobs rather than an upload on this page. */
  fromHistory = false;

  /**
   * @param {HTMLTemplateElement} template the #job-template element
   * @param {{name: string, announce: (text: string) => void, onRemove?: (card: JobCard) => void}} hooks
   */
  constructor(template, hooks) {
    this.element = /** @type {HTMLElement} */ (template.content.firstElementChild.cloneNode(true));
    this.name = hooks.name || 'Unnamed image';
    this.announce = hooks.announce;
    this.part('.filename').textContent = this.name;
    this.part('.copy-target').textContent = ' of ' + this.name;
    this.part('.remove-target').textContent = ' ' + this.name;
    this.part('.copy').addEventListener('click', () => void this.copy());
    this.part('.retry').addEventListener('click', () => this.#onRetry?.());
    if (hooks.onRemove) this.part('.remove').addEventListener('click', () => hooks.onRemove(this));
    this.#removable = Boolean(hooks.onRemove);
    this.showPicture('');
  }

  part(selector) {
    return this.element.querySelector(selector);
  }

  get pictureUrl() {
    return this.#pictureUrl;
  }

  get jobId() {
    return this.element.dataset.jobId;
  }

  /** The thumbnail, a data: or blob: URL; '' for none (the card then has no picture column). */
  showPicture(url) {
    const img = this.part('.thumb');
    this.#pictureUrl = url;
    img.hidden = !url;
    this.element.classList.toggle('no-thumb', !url);
    if (url) img.src = url;
    else img.removeAttribute('src');
  }

  /** When the job was made, for cards from the history. */
  showCreatedAt(iso) {
    const at = new Date(iso);
    if (Number.isNaN(at.getTime())) return;
    const when = document.createElement('time');
    when.dateTime = at.toISOString();
    when.textContent = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(at);
    this.part('.when').replaceChildren(when);
  }

  /** Sets data-status and the visible label; tells screen readers only when it changes. */
  setState(status, label = STATE_LABEL[status] || status) {
    const changed = this.element.dataset.status !== status;
    this.element.dataset.status = status;
    this.part('.state').textContent = label;
    // Only a job no worker holds can be canceled or deleted; an upload the server refused has no job, only a card.
    const busy = status === 'processing' || status === 'uploading';
    this.part('.remove').hidden = !this.#removable || busy || (!this.jobId && status !== 'failed');
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
   * @param {{onRetry?: () => void, result?: object}} options what "Try again" does (without it, no
   *   button), and the failed result, for developers' raw view
   */
  fail(error, { onRetry, result } = {}) {
    const { words, detail } = explain(error);
    this.clearNotice();
    this.part('.error-words').textContent = words;
    this.part('.error-detail').textContent = detail ? ' ' + detail : '';
    this.part('.error').hidden = false;
    this.#onRetry = onRetry;
    this.part('.retry').hidden = !onRetry;
    this.setState('failed');
    if (result) this.showRaw(result);
    this.announce(this.name + ': failed. ' + words);
  }

  canceled() {
    this.clearError();
    this.setState('canceled');
  }

  /** @param {{description?: string, _generated_by?: string, details?: Record<string, unknown>}} result */
  done(result, { openDetails = true } = {}) {
    this.clearError();
    this.part('.description').textContent = String(result.description ?? '');
    this.part('.description').hidden = false;
    const by = String(result._generated_by ?? '');
    this.part('.generated-by').textContent = by;
    this.part('.generated-by-line').hidden = by === '';
    this.part('.copy').hidden = false;
    const details = result.details && typeof result.details === 'object' ? result.details : {};
    renderDetails(this.part('.facts'), details, { imageUrl: this.#pictureUrl });
    this.showRaw(result);
    this.part('.details').open = openDetails;
    const changed = this.element.dataset.status !== 'done';
    this.setState('done');
    if (changed) this.announce(this.name + ': described.');
  }

  /** The answer as the API gave it, folded away for developers. */
  showRaw(result) {
    this.part('.details-json').textContent = JSON.stringify(result, null, 2);
    this.part('.details').hidden = false;
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
