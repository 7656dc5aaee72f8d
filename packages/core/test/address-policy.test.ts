import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { specialUseNameOf, specialUseOf } from '@depict/core';

/**
 * The special-use address check, classified only: nothing here opens a socket, so the
 * public addresses below are never contacted.
 *
 * The registries are written out again here, from the IANA pages, rather than read from
 * the module: a block dropped or mistyped there is caught by this copy.
 */
const IPV4: ReadonlyArray<[cidr: string, name: RegExp]> = [
  ['0.0.0.0/8', /this network/],
  ['0.0.0.0/32', /this host/],
  ['10.0.0.0/8', /private-use/],
  ['100.64.0.0/10', /shared address space/],
  ['127.0.0.0/8', /loopback/],
  ['169.254.0.0/16', /link-local/],
  ['172.16.0.0/12', /private-use/],
  ['192.0.0.0/24', /IETF protocol assignments/],
  ['192.0.0.0/29', /DS-Lite/],
  ['192.0.0.8/32', /dummy/],
  ['192.0.0.9/32', /Port Control Protocol/],
  ['192.0.0.10/32', /TURN/],
  ['192.0.0.170/32', /NAT64\/DNS64/],
  ['192.0.0.171/32', /NAT64\/DNS64/],
  ['192.0.2.0/24', /documentation/],
  ['192.31.196.0/24', /AS112/],
  ['192.52.193.0/24', /AMT/],
  ['192.88.99.0/24', /6to4 relay/],
  ['192.168.0.0/16', /private-use/],
  ['192.175.48.0/24', /AS112/],
  ['198.18.0.0/15', /benchmarking/],
  ['198.51.100.0/24', /documentation/],
  ['203.0.113.0/24', /documentation/],
  ['224.0.0.0/4', /multicast/],
  ['240.0.0.0/4', /reserved/],
  ['255.255.255.255/32', /broadcast/],
];

const IPV6: ReadonlyArray<[cidr: string, name: RegExp]> = [
  ['::/128', /unspecified/],
  ['::1/128', /loopback/],
  ['::/96', /IPv4-compatible/],
  ['::ffff:0:0/96', /IPv4-mapped/],
  ['::ffff:0:0:0/96', /IPv4-translated/],
  ['64:ff9b::/96', /NAT64 well-known/],
  ['64:ff9b:1::/48', /NAT64 local-use/],
  ['100::/64', /discard-only/],
  ['100:0:0:1::/64', /dummy/],
  ['2001::/23', /IETF protocol assignments/],
  ['2001::/32', /Teredo/],
  ['2001:1::1/128', /Port Control Protocol/],
  ['2001:1::2/128', /TURN/],
  ['2001:1::3/128', /DNS-SD/],
  ['2001:2::/48', /benchmarking/],
  ['2001:3::/32', /AMT/],
  ['2001:4:112::/48', /AS112/],
  ['2001:10::/28', /ORCHID/],
  ['2001:20::/28', /ORCHIDv2/],
  ['2001:30::/28', /drone/],
  ['2001:db8::/32', /documentation/],
  ['2002::/16', /6to4/],
  ['2620:4f:8000::/48', /AS112/],
  ['3fff::/20', /documentation/],
  ['5f00::/16', /SRv6/],
  ['fc00::/7', /unique-local/],
  ['fe80::/10', /link-local/],
  ['fec0::/10', /site-local/],
  ['ff00::/8', /multicast/],
];

// Address arithmetic on bigints, independent of the module's own parser.
const BITS = { 4: 32, 6: 128 } as const;
type Version = keyof typeof BITS;

function toBigInt(text: string, version: Version): bigint {
  if (version === 4) return text.split('.').reduce((n, o) => (n << 8n) | BigInt(o), 0n);
  const [head = '', tail = ''] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = text.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.reduce((n, g) => (n << 16n) | BigInt(`0x${g}`), 0n);
}

/** The full, uncompressed form: eight groups of four digits, or a dotted quad. */
function fullText(n: bigint, version: Version): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
  return Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16).padStart(4, '0')).join(':');
}

/** The shortest form: leading zeros dropped, the longest run of zero groups as "::". */
function shortText(n: bigint, version: Version): string {
  if (version === 4) return fullText(n, 4);
  const groups = fullText(n, 6).split(':').map((g) => g.replace(/^0+(?=.)/, ''));
  const runs = [...groups.join(':').matchAll(/(?:^|:)(?:0(?::0)+)(?=:|$)/g)];
  const longest = runs.sort((a, b) => b[0].length - a[0].length)[0];
  if (!longest) return groups.join(':');
  const text = groups.join(':');
  const start = longest.index!;
  return `${text.slice(0, start)}::${text.slice(start + longest[0].length).replace(/^:/, '')}`;
}

interface Range {
  readonly cidr: string;
  readonly name: RegExp;
  readonly version: Version;
  readonly first: bigint;
  readonly last: bigint;
}

const ranges: Range[] = [...IPV4.map((r) => [...r, 4] as const), ...IPV6.map((r) => [...r, 6] as const)].map(([cidr, name, version]) => {
  const [text = '', bits = ''] = cidr.split('/');
  const size = 1n << BigInt(BITS[version] - Number(bits));
  const first = toBigInt(text, version);
  return { cidr, name, version, first, last: first + size - 1n };
});

/** What the registries say of an address: its most specific block, if any. */
function expected(n: bigint, version: Version): Range | 'public' | 'outside 2000::/3' {
  const holding = ranges.filter((r) => r.version === version && r.first <= n && n <= r.last);
  const best = holding.sort((a, b) => Number(a.last - a.first - (b.last - b.first)))[0];
  if (best) return best;
  if (version === 6 && n >> 125n !== 1n) return 'outside 2000::/3';
  return 'public';
}

function assertClassified(n: bigint, version: Version): void {
  const want = expected(n, version);
  for (const text of new Set([shortText(n, version), fullText(n, version), fullText(n, version).toUpperCase()])) {
    const reason = specialUseOf(text);
    if (want === 'public') {
      assert.is(reason, undefined, `${text} is public`);
    } else if (want === 'outside 2000::/3') {
      assert.is(reason, 'outside global unicast (2000::/3)', text);
    } else {
      assert.ok(reason, `${text} is refused as ${want.cidr}`);
      assert.match(reason, want.name, `${text}: "${reason}"`);
      assert.ok(reason.includes(`(${want.cidr})`), `${text}: "${reason}" names ${want.cidr}`);
    }
  }
}

test('every registry block is refused at its first, middle and last address, and named', () => {
  for (const r of ranges) {
    for (const n of [r.first, r.first + (r.last - r.first) / 2n, r.last]) {
      assert.ok(specialUseOf(shortText(n, r.version)) !== undefined, `${shortText(n, r.version)} in ${r.cidr}`);
      assertClassified(n, r.version);
    }
  }
});

test('the addresses just outside each block are classified by what holds them, often nothing', () => {
  for (const r of ranges) {
    const max = (1n << BigInt(BITS[r.version])) - 1n;
    if (r.first > 0n) assertClassified(r.first - 1n, r.version);
    if (r.last < max) assertClassified(r.last + 1n, r.version);
  }
  // Spelled out, the neighbours that are public: an off-by-one in a prefix shows here.
  for (const address of [
    '9.255.255.255', '11.0.0.0', '100.63.255.255', '100.128.0.0', '126.255.255.255', '128.0.0.0',
    '169.253.255.255', '169.255.0.0', '172.15.255.255', '172.32.0.0', '192.0.1.0', '192.0.3.0',
    '192.167.255.255', '192.169.0.0', '198.17.255.255', '198.20.0.0', '203.0.112.255', '203.0.114.0',
    '223.255.255.255', '1.0.0.0',
    '2001:200::', '2001:db7:ffff:ffff:ffff:ffff:ffff:ffff',
    '2001:db9::', '2003::', '2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '2620:4f:7fff:ffff:ffff:ffff:ffff:ffff',
    '2620:4f:8001::', '3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '3fff:1000::', '2000::',
  ]) {
    assert.is(specialUseOf(address), undefined, address);
  }
  // Just past a block but outside global unicast, refused all the same.
  for (const address of ['1ff:ffff::', '4000::', '5eff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', '5f01::', 'fbff:ffff::', 'fe00::']) {
    assert.is(specialUseOf(address), 'outside global unicast (2000::/3)', address);
  }
});

test('the issue\'s loopback spellings are refused, with the IPv4 address they carry named', () => {
  const loopback = /for 127\.0\.0\.1, loopback \(127\.0\.0\.0\/8\)$/;
  const cases: Array<[string, RegExp]> = [
    ['::ffff:127.0.0.1', /^IPv4-mapped \(::ffff:0:0\/96\)/],
    ['::ffff:7f00:1', /^IPv4-mapped/],
    ['::FFFF:7F00:0001', /^IPv4-mapped/],
    ['0:0:0:0:0:ffff:7f00:1', /^IPv4-mapped/],
    ['0000:0000:0000:0000:0000:FFFF:127.0.0.1', /^IPv4-mapped/],
    ['::127.0.0.1', /^deprecated IPv4-compatible \(::\/96\)/],
    ['::7f00:1', /^deprecated IPv4-compatible/],
    ['::ffff:0:7f00:1', /^IPv4-translated/],
    ['64:ff9b::7f00:1', /^NAT64 well-known prefix \(64:ff9b::\/96\)/],
    ['64:FF9B::127.0.0.1', /^NAT64 well-known prefix/],
    ['64:ff9b:1::7f00:1', /^NAT64 local-use prefix \(64:ff9b:1::\/48\)/],
    ['2002:7f00:1::', /^6to4 \(2002::\/16\)/],
    ['2002:7f00:0001:0000:0000:0000:0000:0001', /^6to4/],
    // Teredo: server 65.54.227.120, client 127.0.0.1 stored inverted (80ff:fffe).
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', /^Teredo \(2001::\/32\)/],
    ['2001::4136:E378:8000:63BF:80FF:FFFE', /^Teredo/],
  ];
  for (const [address, block] of cases) {
    const reason = specialUseOf(address);
    assert.ok(reason, `${address} is refused`);
    assert.match(reason, block, address);
    assert.match(reason, loopback, address);
  }
  assert.is(specialUseOf('fec0::1'), 'deprecated site-local (fec0::/10)');
  assert.is(specialUseOf('FEC0:0:0:0:0:0:0:1'), 'deprecated site-local (fec0::/10)');
  assert.is(specialUseOf('198.18.0.1'), 'benchmarking (198.18.0.0/15)');
  assert.is(specialUseOf('::1'), 'loopback (::1/128)');
  assert.is(specialUseOf('0:0:0:0:0:0:0:1'), 'loopback (::1/128)');
  assert.is(specialUseOf('::'), 'unspecified (::/128)');
});

test('an IPv6 form carrying a public IPv4 address is refused for its own block, naming that address', () => {
  assert.is(specialUseOf('::ffff:8.8.8.8'), 'IPv4-mapped (::ffff:0:0/96) for 8.8.8.8');
  assert.is(specialUseOf('64:ff9b::808:808'), 'NAT64 well-known prefix (64:ff9b::/96) for 8.8.8.8');
  assert.is(specialUseOf('2002:808:808::1'), '6to4 (2002::/16) for 8.8.8.8');
  assert.match(specialUseOf('2002:c0a8:101::') ?? '', /for 192\.168\.1\.1, private-use \(192\.168\.0\.0\/16\)$/);
  assert.match(specialUseOf('::ffff:169.254.169.254') ?? '', /link-local \(169\.254\.0\.0\/16\)$/);
});

test('public addresses pass (classified only, never contacted)', () => {
  for (const address of ['8.8.8.8', '1.1.1.1', '93.184.215.14', '2606:4700::1111', '2606:4700:0:0:0:0:0:1111', '2A00:1450:4001:82B::200E']) {
    assert.is(specialUseOf(address), undefined, address);
  }
});

test('what is not an IP address, or names an interface, is refused rather than taken as public', () => {
  assert.match(specialUseOf('fe80::1%eth0') ?? '', /zone id/);
  assert.match(specialUseOf('::1%1') ?? '', /zone id/);
  for (const text of [
    '', 'example.com', '127.1', '0x7f.0.0.1', '017.0.0.1', '127.0.0.1.', '256.0.0.1', '1.2.3.4.5',
    '1:::2', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '::1.2.3', '1.2.3.4::', ':1::', 'g::1',
    '1:2:3:4:5:6:7:8::', '::ffff:127.0.0.01',
  ]) {
    assert.is(specialUseOf(text), 'not an IP address', JSON.stringify(text));
  }
  // Brackets, as a URL writes an IPv6 host, are read through.
  assert.match(specialUseOf('[::ffff:7f00:1]') ?? '', /IPv4-mapped/);
});

test('names that never denote a public host are refused by name, before any lookup', () => {
  for (const name of ['localhost', 'LOCALHOST', 'localhost.', 'app.localhost', 'printer.local', 'db.internal', 'Metadata.Google.Internal', 'nas.home.arpa']) {
    assert.ok(specialUseNameOf(name), name);
  }
  for (const name of ['example.com', 'localhost.example.com', 'mylocal', 'internal.example.org', 'home.arpa.example']) {
    assert.is(specialUseNameOf(name), undefined, name);
  }
});

test.run();
