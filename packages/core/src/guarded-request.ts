import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isIpLiteral, specialUseNameOf, specialUseOf } from './address-policy.js';

/**
 * Outbound HTTP(S) to an address a client chose (a webhook, later an image URL), made so
 * that the address checked is the address connected to. The host is resolved once, every
 * address it resolves to is checked, and the socket is handed those addresses through
 * its `lookup` hook, so it never asks DNS again: a name cannot rebind between the check
 * and the connect. Each redirect, when any are followed, is a new target checked the
 * same way.
 */

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to every address it has; injected by tests to avoid DNS. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export interface TargetPolicy {
  /** Let private, loopback and other special-use addresses through (an operator's own network). */
  readonly allowPrivate?: boolean;
  readonly lookup?: Resolver;
  /**
   * Why an address is refused, or undefined to allow it. Defaults to the special-use
   * registry check (or allowing everything with `allowPrivate`); tests narrow it to tell
   * one loopback address from another.
   */
  readonly classify?: (address: string) => string | undefined;
}

/** Base of the errors a guarded request raises; `code` is stable, the message is for people. */
export class OutboundRequestError extends Error {
  constructor(
    readonly code: 'address_refused' | 'host_unresolved' | 'bad_target' | 'too_many_redirects' | 'request_timeout' | 'response_too_large',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The target is special-use: nothing was sent, no socket was opened. */
export class AddressRefusedError extends OutboundRequestError {
  override readonly name = 'AddressRefusedError';
  constructor(
    readonly address: string,
    readonly reason: string,
  ) {
    super('address_refused', `refused: ${address} is ${reason}`);
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BYTES = 1024 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers that carry a caller's credentials; not handed to another origin on a redirect. */
const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * Every address `hostname` stands for, each checked against the policy. An IP literal is
 * checked as it is (a socket would not look it up); a name is looked up once. Throws
 * AddressRefusedError when any address is refused: a name with one private address among
 * public ones is refused whole, since the socket might pick that one.
 */
export async function resolveTarget(hostname: string, policy: TargetPolicy = {}): Promise<ResolvedAddress[]> {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const classify = policy.classify ?? (policy.allowPrivate ? () => undefined : specialUseOf);
  const check = (address: string) => {
    const reason = classify(address);
    if (reason !== undefined) throw new AddressRefusedError(address, reason);
  };
  if (isIpLiteral(host)) {
    check(host);
    return [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
  }
  if (!policy.allowPrivate) {
    const reason = specialUseNameOf(host);
    if (reason !== undefined) throw new AddressRefusedError(host, reason);
  }
  let addresses: readonly ResolvedAddress[];
  try {
    addresses = await (policy.lookup ?? systemResolver)(host);
  } catch (err) {
    throw new OutboundRequestError('host_unresolved', `${host} does not resolve.`, { cause: err });
  }
  if (addresses.length === 0) throw new OutboundRequestError('host_unresolved', `${host} does not resolve.`);
  for (const { address } of addresses) {
    // A resolver's answer must be an address; anything else would make the socket look it up.
    if (isIP(address) === 0) throw new AddressRefusedError(address, 'not an IP address');
    check(address);
  }
  return [...addresses];
}

/** A socket `lookup` that answers with the addresses already checked, and asks no one. */
function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, options, callback) => {
    const first = addresses[0]!;
    if (options.all) callback(null, addresses.map(({ address, family }) => ({ address, family })));
    else callback(null, first.address, first.family);
  };
}

export interface GuardedRequestOptions extends TargetPolicy {
  readonly method?: string;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string | Uint8Array;
  /** For the whole exchange, redirects included: resolving, connecting, sending, reading. */
  readonly timeoutMs?: number;
  /** Most bytes of answer body kept; more is an error. */
  readonly maxBytes?: number;
  /** False: only the status and headers matter (a webhook); the body is not read. */
  readonly readBody?: boolean;
  /**
   * Redirects followed, each target checked anew. 0 (the default) hands a 3xx back as
   * it is, as fetch's `redirect: 'manual'` would; past the limit is an error.
   */
  readonly maxRedirects?: number;
}

export interface GuardedResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The URL that answered, after any redirects. */
  readonly url: string;
  /** The address the socket connected to, one of those checked. */
  readonly address: string | undefined;
}

/** An HTTP(S) request whose every hop goes only to an address the policy allows. */
export async function guardedRequest(target: string | URL, options: GuardedRequestOptions = {}): Promise<GuardedResponse> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new OutboundRequestError('request_timeout', `no complete answer within ${timeoutMs} ms`)),
    timeoutMs,
  );
  try {
    return await follow(new URL(target), options, controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

async function follow(first: URL, options: GuardedRequestOptions, signal: AbortSignal): Promise<GuardedResponse> {
  const maxRedirects = options.maxRedirects ?? 0;
  let url = first;
  let method = (options.method ?? 'GET').toUpperCase();
  let body = options.body;
  let headers: OutgoingHttpHeaders = { ...options.headers };
  for (let hop = 0; ; hop++) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new OutboundRequestError('bad_target', `${url.protocol} URLs are not fetched; only http and https.`);
    }
    const addresses = await abortable(resolveTarget(url.hostname, options), signal);
    const { res, address } = await send(url, addresses, method, headers, body, signal);
    const location = res.headers.location;
    if (maxRedirects > 0 && REDIRECTS.has(res.statusCode ?? 0) && location) {
      res.destroy();
      if (hop >= maxRedirects) throw new OutboundRequestError('too_many_redirects', `more than ${maxRedirects} redirects`);
      const next = new URL(location, url);
      // As fetch does: 303, and 301/302 after a POST, continue as a GET without the body.
      if (res.statusCode === 303 ? method !== 'HEAD' : res.statusCode !== 307 && res.statusCode !== 308 && method === 'POST') {
        method = 'GET';
        body = undefined;
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-/i.test(k)));
      }
      if (next.origin !== url.origin) {
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !CREDENTIALS.includes(k.toLowerCase())));
      }
      url = next;
      continue;
    }
    const answer = options.readBody === false ? (res.destroy(), Buffer.alloc(0)) : await readBody(res, options.maxBytes ?? DEFAULT_MAX_BYTES, signal);
    return { status: res.statusCode ?? 0, headers: res.headers, body: answer, url: url.href, address };
  }
}

/** One request to the checked addresses; resolves with the answer's head. */
function send(
  url: URL,
  addresses: readonly ResolvedAddress[],
  method: string,
  headers: OutgoingHttpHeaders,
  body: string | Uint8Array | undefined,
  signal: AbortSignal,
): Promise<{ res: IncomingMessage; address: string | undefined }> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)({
      protocol: url.protocol,
      // The name stays the host (Host header, TLS server name and certificate check);
      // only the addresses come from the check.
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method,
      headers,
      lookup: pinnedLookup(addresses),
      // No pooled sockets: one opened for another request (or another policy) is never reused.
      agent: false,
    });
    const onAbort = () => req.destroy(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('response', (res) => {
      signal.removeEventListener('abort', onAbort);
      resolve({ res, address: req.socket?.remoteAddress });
    });
    req.on('error', (err) => {
      signal.removeEventListener('abort', onAbort);
      reject(err);
    });
    req.end(body);
  });
}

function readBody(res: IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) => {
      signal.removeEventListener('abort', onAbort);
      res.destroy();
      reject(err);
    };
    const onAbort = () => fail(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const tooLarge = () => new OutboundRequestError('response_too_large', `answer longer than ${maxBytes} bytes`);
    if (Number(res.headers['content-length'] ?? 0) > maxBytes) return fail(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) fail(tooLarge());
      else chunks.push(chunk);
    });
    res.on('end', () => {
      signal.removeEventListener('abort', onAbort);
      resolve(Buffer.concat(chunks));
    });
    res.on('error', fail);
  });
}

/** The promise, or the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
