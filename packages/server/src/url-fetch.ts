import { Readable } from 'node:stream';
import { DepictError } from '@depict/contract';
import { AddressRefusedError, OutboundRequestError, guardedRequest } from '@depict/core';
import type { AppDeps } from './deps.js';
import { cleanFilename } from './submission.js';
import { receiveFile, tempPathIn, type ReceivedFile } from './upload-storage.js';

/** Redirects followed, each to a target checked as the first was. */
export const URL_MAX_REDIRECTS = 3;
const URL_MAX_LENGTH = 2000;

export interface FetchedImage {
  readonly file: ReceivedFile;
  /** The last path segment of the URL that answered, as a file name; null when it has none. */
  readonly filename: string | null;
}

/** The `url` a client sent (form field or JSON), checked as a URL the server may fetch at all. */
export function parseImageUrl(value: unknown): URL {
  if (typeof value !== 'string' || value.trim() === '') throw new DepictError('bad_request', 'url must be an http:// or https:// URL.');
  const text = value.trim();
  if (text.length > URL_MAX_LENGTH) throw new DepictError('bad_request', `url is longer than ${URL_MAX_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DepictError('bad_request', `url is not a URL: ${JSON.stringify(text.slice(0, 100))}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DepictError('url_refused', `Only http:// and https:// URLs are fetched, not ${url.protocol}.`);
  }
  if (url.username || url.password) throw new DepictError('url_refused', 'URLs with a user name or password are not fetched.');
  return url;
}

/**
 * Fetch an image a client named by URL, as webhooks are sent: the host resolved once and
 * every address checked against the special-use registries (unless
 * URL_FETCH_ALLOW_PRIVATE), the socket connected to an address checked, each redirect
 * checked anew, MAX_UPLOAD_MB counted while the bytes arrive, URL_FETCH_TIMEOUT_MS for
 * the whole exchange. The bytes then go the way of an upload, sniffed and proved there.
 */
export async function fetchImage(deps: Pick<AppDeps, 'config' | 'blobs'>, url: URL): Promise<FetchedImage> {
  const { config } = deps;
  let answer;
  try {
    answer = await guardedRequest(url, {
      allowPrivate: config.urlFetch.allowPrivate,
      timeoutMs: config.urlFetch.timeoutMs,
      maxBytes: config.maxUploadBytes,
      maxRedirects: URL_MAX_REDIRECTS,
      headers: { accept: 'image/png, image/jpeg;q=0.9, */*;q=0.1', 'user-agent': 'Depict (image description service)' },
    });
  } catch (err) {
    throw explain(err, url, config.maxUploadBytes, config.urlFetch.timeoutMs);
  }
  if (answer.status < 200 || answer.status > 299) {
    throw new DepictError('url_unreachable', `${url.host} answered ${answer.status} for the image URL.`);
  }
  const file = await receiveFile(Readable.from([answer.body]), tempPathIn(deps.blobs.tmpDir, 'url'));
  const last = new URL(answer.url).pathname.split('/').filter(Boolean).at(-1);
  return { file, filename: last ? cleanFilename(decodeURIComponentSafe(last)) : null };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function explain(err: unknown, url: URL, maxBytes: number, timeoutMs: number): DepictError {
  if (err instanceof AddressRefusedError) {
    return new DepictError('url_refused', `url is ${err.message}, not a public address; private networks need URL_FETCH_ALLOW_PRIVATE=true.`);
  }
  if (err instanceof OutboundRequestError) {
    switch (err.code) {
      case 'response_too_large':
        return new DepictError('too_large', `The image at the URL is larger than the ${maxBytes}-byte limit (MAX_UPLOAD_MB).`);
      case 'request_timeout':
        return new DepictError('url_timeout', `The image URL did not answer in full within ${timeoutMs} ms (URL_FETCH_TIMEOUT_MS).`);
      case 'too_many_redirects':
        return new DepictError('url_unreachable', `The image URL redirected more than ${URL_MAX_REDIRECTS} times.`);
      case 'bad_target':
        return new DepictError('url_refused', `The image URL redirected to a target that is not fetched: ${err.message}`);
      case 'host_unresolved':
        return new DepictError('url_unreachable', `The host ${url.hostname} does not resolve.`);
      default:
        return new DepictError('url_unreachable', `The image URL could not be fetched: ${err.message}`);
    }
  }
  const reason = (err as NodeJS.ErrnoException)?.code ?? (err instanceof Error ? err.message : String(err));
  return new DepictError('url_unreachable', `The image URL could not be fetched (${reason}).`);
}
