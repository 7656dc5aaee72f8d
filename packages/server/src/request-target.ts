/**
 * The request target as every later part of the server will read it. Express, tRPC,
 * trpc-to-openapi and serve-static each parse the URL their own way: express takes the
 * path of an absolute-form target, trpc-to-openapi resolves dot segments with `new URL`,
 * serve-static decodes once more. A decision made on one reading and carried out on
 * another is a way past it. So a target is accepted only when every reading agrees: in
 * origin form (absolute form is rewritten to it), with no dot segment, empty segment,
 * backslash or control character, and no percent-encoding that decodes (once or
 * repeatedly) into one of those or into a slash. Nothing is resolved or rewritten inside
 * the path; a target that would need it is refused.
 */

export interface CanonicalTarget {
  /** The path as sent (still percent-encoded), starting with "/". */
  readonly path: string;
  /** "?..." or "". */
  readonly search: string;
  /** The authority of an absolute-form target ("host:port"), which takes the Host header's place. */
  readonly authority: string | undefined;
}

/** A scheme followed by "//": the absolute form of RFC 9112 section 3.2.2. */
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)(.*)$/s;

/** How many rounds of percent-decoding are looked through; a target still changing after them is refused. */
const DECODE_ROUNDS = 4;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Decode percent-encoding until nothing changes; undefined when it never settles or is malformed. */
function fullyDecoded(segment: string): string | undefined {
  let current = segment;
  for (let round = 0; round < DECODE_ROUNDS; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return undefined;
    }
    if (next === current) return current;
    current = next;
  }
  return undefined;
}

/** A segment every reader sees as the same one name: not "." or "..", and no separator inside. */
function isPlainSegment(segment: string): boolean {
  const decoded = fullyDecoded(segment);
  if (decoded === undefined) return false;
  if (decoded === '.' || decoded === '..') return false;
  return !decoded.includes('/') && !decoded.includes('\\') && !CONTROL.test(decoded);
}

/**
 * The target of a request line in the one form the server routes on, or undefined when
 * it has none (the caller answers 404). `"/ui/"` keeps its trailing slash: an empty
 * last segment is no way around anything.
 */
export function canonicalTarget(raw: string): CanonicalTarget | undefined {
  let authority: string | undefined;
  let rest = raw;
  const absolute = ABSOLUTE_FORM.exec(raw);
  if (absolute) {
    authority = absolute[1]!;
    rest = absolute[2] === '' ? '/' : absolute[2]!;
  }
  if (!rest.startsWith('/') || rest.includes('#') || CONTROL.test(rest) || rest.includes('\\')) return undefined;
  const queryAt = rest.indexOf('?');
  const path = queryAt === -1 ? rest : rest.slice(0, queryAt);
  const search = queryAt === -1 ? '' : rest.slice(queryAt);
  const segments = path.split('/').slice(1);
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment === '') {
      if (i === segments.length - 1) continue; // "/" itself, or a trailing slash
      return undefined; // "//"
    }
    if (!isPlainSegment(segment)) return undefined;
  }
  return { path, search, authority };
}
