import { isIP } from 'node:net';
import { formatIPv4, hasPrefix, parseIp, type IpAddress } from './ip-address.js';

/**
 * Which addresses Depict may be sent to by a client (a webhook's target, later an image
 * URL): only public unicast ones. Anything the IANA IPv4 and IPv6 Special-Purpose
 * Address Registries list is refused, even the entries marked "globally reachable"
 * (AS112, PCP and TURN anycast): no client has a reason to aim Depict at them, and a
 * short, complete rule is easier to trust than a hand-picked one. Multicast, the
 * deprecated site-local and IPv4-compatible blocks, and (for IPv6) everything outside
 * the global unicast space 2000::/3 are refused too.
 *
 * Pure: it classifies text, and never resolves or connects.
 */

/** How an IPv6 block carries an IPv4 address, so the IPv4 one can be named and checked. */
type Embedding = (bytes: Uint8Array) => Uint8Array;
const last32: Embedding = (b) => b.subarray(12, 16);
/** 6to4 (RFC 3056): 2002:AABB:CCDD::/48 carries AA.BB.CC.DD. */
const sixToFour: Embedding = (b) => b.subarray(2, 6);
/** Teredo (RFC 4380): the client's public IPv4 address is the last 32 bits, inverted. */
const teredoClient: Embedding = (b) => b.subarray(12, 16).map((x) => x ^ 0xff);

interface Block {
  readonly cidr: string;
  readonly name: string;
  readonly embeds?: Embedding;
}

interface ParsedBlock extends Block {
  readonly prefix: Uint8Array;
  readonly length: number;
}

/** IANA IPv4 Special-Purpose Address Registry, every entry, plus multicast. */
const IPV4_BLOCKS: readonly Block[] = [
  { cidr: '0.0.0.0/8', name: '"this network"' },
  { cidr: '0.0.0.0/32', name: '"this host on this network"' },
  { cidr: '10.0.0.0/8', name: 'private-use' },
  { cidr: '100.64.0.0/10', name: 'shared address space (carrier-grade NAT)' },
  { cidr: '127.0.0.0/8', name: 'loopback' },
  { cidr: '169.254.0.0/16', name: 'link-local' },
  { cidr: '172.16.0.0/12', name: 'private-use' },
  { cidr: '192.0.0.0/24', name: 'IETF protocol assignments' },
  { cidr: '192.0.0.0/29', name: 'IPv4 service continuity (DS-Lite)' },
  { cidr: '192.0.0.8/32', name: 'IPv4 dummy address' },
  { cidr: '192.0.0.9/32', name: 'Port Control Protocol anycast' },
  { cidr: '192.0.0.10/32', name: 'TURN anycast' },
  { cidr: '192.0.0.170/32', name: 'NAT64/DNS64 discovery' },
  { cidr: '192.0.0.171/32', name: 'NAT64/DNS64 discovery' },
  { cidr: '192.0.2.0/24', name: 'documentation (TEST-NET-1)' },
  { cidr: '192.31.196.0/24', name: 'AS112-v4' },
  { cidr: '192.52.193.0/24', name: 'AMT' },
  { cidr: '192.88.99.0/24', name: 'deprecated 6to4 relay anycast' },
  { cidr: '192.168.0.0/16', name: 'private-use' },
  { cidr: '192.175.48.0/24', name: 'direct delegation AS112 service' },
  { cidr: '198.18.0.0/15', name: 'benchmarking' },
  { cidr: '198.51.100.0/24', name: 'documentation (TEST-NET-2)' },
  { cidr: '203.0.113.0/24', name: 'documentation (TEST-NET-3)' },
  { cidr: '224.0.0.0/4', name: 'multicast' },
  { cidr: '240.0.0.0/4', name: 'reserved' },
  { cidr: '255.255.255.255/32', name: 'limited broadcast' },
];

/**
 * IANA IPv6 Special-Purpose Address Registry, every entry, plus multicast, the
 * deprecated site-local and IPv4-compatible blocks, and SIIT's IPv4-translated form.
 * A block that carries an IPv4 address says how, so the refusal can name it.
 */
const IPV6_BLOCKS: readonly Block[] = [
  { cidr: '::/128', name: 'unspecified' },
  { cidr: '::1/128', name: 'loopback' },
  { cidr: '::/96', name: 'deprecated IPv4-compatible', embeds: last32 },
  { cidr: '::ffff:0:0/96', name: 'IPv4-mapped', embeds: last32 },
  { cidr: '::ffff:0:0:0/96', name: 'IPv4-translated (SIIT)', embeds: last32 },
  { cidr: '64:ff9b::/96', name: 'NAT64 well-known prefix', embeds: last32 },
  // RFC 8215 lets an operator embed at other RFC 6052 offsets in this /48; the whole
  // /48 is refused whatever it carries, so the /96 reading only explains the refusal.
  { cidr: '64:ff9b:1::/48', name: 'NAT64 local-use prefix', embeds: last32 },
  { cidr: '100::/64', name: 'discard-only' },
  { cidr: '100:0:0:1::/64', name: 'dummy IPv6 prefix' },
  { cidr: '2001::/23', name: 'IETF protocol assignments' },
  { cidr: '2001::/32', name: 'Teredo', embeds: teredoClient },
  { cidr: '2001:1::1/128', name: 'Port Control Protocol anycast' },
  { cidr: '2001:1::2/128', name: 'TURN anycast' },
  { cidr: '2001:1::3/128', name: 'DNS-SD service registration anycast' },
  { cidr: '2001:2::/48', name: 'benchmarking' },
  { cidr: '2001:3::/32', name: 'AMT' },
  { cidr: '2001:4:112::/48', name: 'AS112-v6' },
  { cidr: '2001:10::/28', name: 'deprecated ORCHID' },
  { cidr: '2001:20::/28', name: 'ORCHIDv2' },
  { cidr: '2001:30::/28', name: 'drone remote ID' },
  { cidr: '2001:db8::/32', name: 'documentation' },
  { cidr: '2002::/16', name: '6to4', embeds: sixToFour },
  { cidr: '2620:4f:8000::/48', name: 'direct delegation AS112 service' },
  { cidr: '3fff::/20', name: 'documentation' },
  { cidr: '5f00::/16', name: 'segment routing (SRv6) SIDs' },
  { cidr: 'fc00::/7', name: 'unique-local' },
  { cidr: 'fe80::/10', name: 'link-local' },
  { cidr: 'fec0::/10', name: 'deprecated site-local' },
  { cidr: 'ff00::/8', name: 'multicast' },
];

/** IANA allocates global unicast from here only; the rest is special or unassigned. */
const GLOBAL_UNICAST = parseBlock({ cidr: '2000::/3', name: 'global unicast' });

function parseBlock(block: Block): ParsedBlock {
  const [text, bits] = block.cidr.split('/');
  const address = parseIp(text ?? '');
  if (!address) throw new Error(`bad block ${block.cidr}`);
  return { ...block, prefix: address.bytes, length: Number(bits) };
}

const V4 = IPV4_BLOCKS.map(parseBlock);
const V6 = IPV6_BLOCKS.map(parseBlock);

/** The most specific block holding the address, so 2001:0::1 is "Teredo", not "IETF". */
function blockOf(address: IpAddress): ParsedBlock | undefined {
  let best: ParsedBlock | undefined;
  for (const block of address.version === 4 ? V4 : V6) {
    if (hasPrefix(address.bytes, block.prefix, block.length) && (!best || block.length > best.length)) best = block;
  }
  return best;
}

const describe = (block: ParsedBlock) => `${block.name} (${block.cidr})`;

/**
 * Why an address may not be a target: the special-use block it is in (and, for an IPv6
 * form that carries an IPv4 address, that address and its own block), or undefined for
 * a public address. Text that is not an IP address, or carries a zone id, is refused
 * too: a caller must never read "no reason" as "public" for input it did not mean.
 */
export function specialUseOf(text: string): string | undefined {
  const address = parseIp(text);
  if (!address) return text.includes('%') ? 'an address scoped to one of this host\'s interfaces (zone id)' : 'not an IP address';
  const block = blockOf(address);
  if (address.version === 4) return block && describe(block);
  if (!block) return hasPrefix(address.bytes, GLOBAL_UNICAST.prefix, GLOBAL_UNICAST.length) ? undefined : 'outside global unicast (2000::/3)';
  if (!block.embeds) return describe(block);
  const v4 = formatIPv4(block.embeds(address.bytes));
  const inner = specialUseOf(v4);
  return `${describe(block)} for ${v4}${inner ? `, ${inner}` : ''}`;
}

/**
 * True for anything a socket would take as an address rather than a name, including
 * forms this module refuses (an IPv6 zone id): node skips its `lookup` for those, so a
 * caller must check them itself.
 */
export function isIpLiteral(text: string): boolean {
  return parseIp(text) !== undefined || isIP(text) !== 0;
}

/**
 * Host names that never denote a public host, refused before any lookup. The address
 * check alone would refuse most of them once resolved, but resolving them is itself the
 * harm: a `.local` name goes out as multicast DNS onto the operator's own network (nss
 * mdns), and `.internal`/`.home.arpa` queries tell the resolver which private names a
 * client is probing. `localhost` names may be answered by the resolver without /etc/hosts
 * (RFC 6761), so they are refused by name as well as by address.
 */
const SPECIAL_USE_NAMES: ReadonlyArray<{ readonly suffix: string; readonly name: string }> = [
  { suffix: 'localhost', name: 'loopback name (RFC 6761)' },
  { suffix: 'local', name: 'multicast DNS name (RFC 6762)' },
  { suffix: 'internal', name: 'private-use name (.internal)' },
  { suffix: 'home.arpa', name: 'home network name (RFC 8375)' },
];

/** Why a host name may not be a target, or undefined when it may be looked up. */
export function specialUseNameOf(hostname: string): string | undefined {
  // DNS is case-insensitive, and "localhost." is the same name as "localhost".
  const name = hostname.toLowerCase().replace(/\.$/, '');
  const hit = SPECIAL_USE_NAMES.find(({ suffix }) => name === suffix || name.endsWith(`.${suffix}`));
  return hit && `a ${hit.name}`;
}
