/**
 * IP addresses as bytes. Deciding whether an address is special-use means comparing
 * prefixes bit by bit, and IPv6 has many spellings of one address (`::ffff:127.0.0.1`,
 * `::ffff:7f00:1`, `0:0:0:0:0:FFFF:7F00:0001`), so every form is reduced to its 4 or 16
 * bytes first and never compared as text.
 */
export interface IpAddress {
  readonly version: 4 | 6;
  readonly bytes: Uint8Array;
}

/** Decimal 0-255 without leading zeros, as node's `net.isIPv4` takes it. */
const OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;
const HEXTET = /^[0-9a-f]{1,4}$/i;

/**
 * A dotted quad. Forms such as `127.1`, `0x7f.0.0.1` or `017.0.0.1` are refused (not
 * parsed): inet_aton reads them as other addresses than a reader would, and the WHATWG
 * URL parser has already turned them into dotted quads in any URL's hostname.
 */
export function parseIPv4(text: string): IpAddress | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) return undefined;
  return { version: 4, bytes: Uint8Array.from(parts, Number) };
}

/**
 * An IPv6 address in any RFC 4291 text form: full, `::`-compressed, upper or lower case,
 * with a dotted quad in its last 32 bits. A zone id (`fe80::1%eth0`) is not parsed: it
 * names an interface of this host, which no client should choose.
 */
export function parseIPv6(text: string): IpAddress | undefined {
  if (text.includes('%')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const compressed = halves.length === 2;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = compressed && halves[1] ? halves[1].split(':') : [];

  // A dotted quad may stand for the last 32 bits only.
  const last = compressed ? tail : head;
  let embedded: Uint8Array | undefined;
  if (last.length > 0 && last[last.length - 1]!.includes('.')) {
    embedded = parseIPv4(last.pop()!)?.bytes;
    if (!embedded) return undefined;
  }
  if (![...head, ...tail].every((g) => HEXTET.test(g))) return undefined;
  const groups = head.length + tail.length + (embedded ? 2 : 0);
  if (compressed ? groups > 7 : groups !== 8) return undefined;

  const bytes = new Uint8Array(16);
  const put = (list: readonly string[], at: number) =>
    list.forEach((g, i) => {
      const value = parseInt(g, 16);
      bytes[at + 2 * i] = value >> 8;
      bytes[at + 2 * i + 1] = value & 0xff;
    });
  put(head, 0);
  // After "::", the tail (and its dotted quad) is aligned to the end.
  put(tail, 16 - 2 * tail.length - (embedded ? 4 : 0));
  if (embedded) bytes.set(embedded, 12);
  return { version: 6, bytes };
}

/** Either kind; IPv6 may come in brackets, as in a URL's hostname. */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return parseIPv4(bare) ?? parseIPv6(bare);
}

export function formatIPv4(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4)).join('.');
}

/** True when the first `length` bits of `address` equal those of `prefix`. */
export function hasPrefix(address: Uint8Array, prefix: Uint8Array, length: number): boolean {
  const whole = length >> 3;
  for (let i = 0; i < whole; i++) if (address[i] !== prefix[i]) return false;
  const rest = length & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((address[whole] ?? 0) & mask) === ((prefix[whole] ?? 0) & mask);
}
