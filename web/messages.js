// Everything this page says to a person about a job: state names and what each error
// code means in plain words. The server's own message is written for API callers (it
// names headers and settings) and mostly says the same again, so it is shown only for
// the codes where it says what the words cannot: which field was wrong, what the
// vision model answered.

export const STATE_LABEL = {
  uploading: 'Uploading…',
  queued: 'Queued',
  processing: 'Describing…',
  done: 'Done',
  failed: 'Failed',
  canceled: 'Canceled',
};

/** Words for every code in the contract's table (codes.js), and for the few this page makes itself. */
export const PLAIN_WORDS = {
  // Refused at upload.
  too_large: 'This file is too large to upload.',
  unsupported_media_type: 'This file is not a PNG or JPEG image.',
  corrupt_image: 'This image is damaged or incomplete, so it cannot be read.',
  too_many_pixels: 'This image has too many pixels to process.',
  too_many_scans: 'This JPEG is built from too many passes to decode.',
  too_large_to_decode: 'Decoding this image would take too much memory.',
  too_slow_to_decode: 'This image takes too long to decode.',
  no_file: 'No file reached the server.',
  too_many_files: 'Only one image can be sent at a time.',
  bad_request: 'The server could not read the upload.',
  upload_timeout: 'The upload took too long to arrive.',
  idempotency_conflict: 'This upload reused a key that belongs to another upload.',
  conflict: 'The job is being described right now, so this cannot be done to it.',
  host_not_allowed: 'This server does not answer under the address in your browser.',
  // Not allowed.
  unauthorized: 'This server needs an API key. Enter it above, then try again.',
  // Asked too early, too often, or about something gone.
  rate_limited: 'Too many uploads right now. Wait a moment and try again.',
  not_ready: 'The service is starting up or not ready. Try again shortly.',
  busy: 'The server is busy right now. Try again shortly.',
  too_many_uploads: 'Too many uploads at once from here. They go on as the others finish.',
  url_refused: 'That address is not one the server may fetch images from.',
  url_unreachable: 'The image at that address could not be fetched.',
  url_timeout: 'The image at that address took too long to arrive.',
  quota_exceeded: 'This key has used its vision tokens for today. It can send again after midnight UTC.',
  store_unavailable: 'The server cannot reach its database right now. Try again shortly.',
  insufficient_storage: 'The server is out of storage space right now. Try again later.',
  not_found: 'The server no longer knows this job.',
  unreachable: 'The server could not be reached. Check your connection, then try again.',
  bad_response: 'The server sent an answer this page does not understand.',
  internal: 'The server ran into a problem of its own.',
  canceled: 'This job was canceled before it ran.',
  // Failed while being described.
  describe_failed: 'This image could not be described.',
  vision_api_error: 'The vision model could not describe this image.',
  vision_unreachable: 'The vision model could not be reached.',
  vision_timeout: 'The vision model took too long to answer.',
  vision_empty_answer: 'The vision model gave no description.',
  vision_breaker_open: 'The vision model failed several times in a row, so it is given a rest.',
  too_many_attempts: 'Describing this image was started several times and never finished.',
  timeout: 'Describing this image took longer than the time limit.',
  upload_missing: 'The uploaded file was lost before it could be described.',
  upload_gone: 'The server no longer has this upload.',
};

/** Codes whose server message adds what a person needs: the option that was refused, the model's own answer. */
const SERVER_SAYS_MORE = new Set(['bad_request', 'vision_api_error']);

/**
 * Plain words for an error code, and the detail to show after them ('' when the words
 * say it all). A code this page has no words for shows the server's message alone.
 * @param {{code?: string, message?: string, status?: number}} error
 * @returns {{words: string, detail: string}}
 */
export function explain(error) {
  const code = error && error.code ? error.code : 'unknown';
  const message = error && error.message ? String(error.message) : '';
  const words = PLAIN_WORDS[code];
  if (!words) {
    if (message) return { words: message, detail: '' };
    const status = error && error.status;
    return { words: status >= 500 ? 'The server ran into a problem of its own.' : 'Something went wrong.', detail: '' };
  }
  return { words, detail: SERVER_SAYS_MORE.has(code) ? message : '' };
}
