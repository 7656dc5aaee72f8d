// The jobs the server keeps for this browser (or for its API key), from GET /jobs a
// page at a time, newest first: "Load more" follows next_cursor.

import { ApiError, listJobs } from './api.js';
import { explain } from './messages.js';

export const PAGE_SIZE = 20;

export class History {
  /** Which load this is: a reload started meanwhile makes an older answer stale. */
  #generation = 0;
  #cursor = null;
  #loading = false;

  /**
   * @param {{button: HTMLButtonElement, note: HTMLElement, onItems: (items: object[]) => void, onUnauthorized: () => void}} parts
   */
  constructor(parts) {
    this.parts = parts;
    parts.button.addEventListener('click', () => void this.#load(false));
  }

  /** The first page again: at start, and once another API key is saved. */
  reload() {
    this.#cursor = null;
    return this.#load(true);
  }

  async #load(first) {
    if (this.#loading && !first) return;
    const generation = first ? ++this.#generation : this.#generation;
    const { button, note } = this.parts;
    this.#loading = true;
    button.disabled = true;
    try {
      const page = await listJobs({ limit: PAGE_SIZE, cursor: first ? undefined : this.#cursor ?? undefined });
      if (generation !== this.#generation) return;
      note.hidden = true;
      this.#cursor = page.nextCursor;
      button.hidden = !page.nextCursor;
      this.parts.onItems(page.items);
    } catch (thrown) {
      if (generation !== this.#generation) return;
      const err = thrown instanceof ApiError ? thrown : new ApiError('unknown', String(thrown), 0);
      if (err.code === 'unauthorized') {
        this.parts.onUnauthorized();
        note.textContent = 'Enter this server’s API key above to see your images.';
        button.hidden = true;
      } else {
        note.textContent = 'Your earlier images could not be listed. ' + explain(err).words;
        // The button tries the same page again.
        button.hidden = false;
      }
      note.hidden = false;
    } finally {
      if (generation === this.#generation) {
        this.#loading = false;
        button.disabled = false;
      }
    }
  }
}
