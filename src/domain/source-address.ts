/**
 * Which address a request comes from, for throttling: the socket's peer, or — when that peer is
 * one of the configured trusted proxies — the client named by `X-Forwarded-For`.
 *
 * The header is read right to left. Each trusted proxy appends the address it was connected from,
 * so the rightmost entry was written by our own peer and is reliable; while an entry is itself a
 * trusted proxy, the one to its left is reliable too. The first untrusted entry is the client.
 * Anything further left was written by the client and is ignored, so a spoofed leftmost entry
 * changes nothing. An entry that is not an address stops the walk at the last trusted hop (the
 * key is then that proxy, never text a client chose).
 *
 * `Forwarded` (RFC 7239) is deliberately not read: a proxy that writes only `X-Forwarded-For`
 * passes a client's own `Forwarded` header through untouched, so trusting both would let clients
 * choose their address. One header, the one every common proxy writes, is the safe choice.
 *
 * Addresses come out canonical (lower-case, compressed IPv6; IPv4-mapped IPv6 as plain IPv4), so
 * one client reaching a dual-stack socket as `::ffff:192.0.2.1` and as `192.0.2.1` is one key.
 */
import { isIPv4, isIPv6 } from "node:net";

/** An IPv4 (4 bytes) or IPv6 (16 bytes) address. */
type Bytes = readonly number[];

interface Network {
  readonly bytes: Bytes;
  readonly prefix: number;
}

/** The configured trusted proxies (TRUSTED_PROXIES), parsed. */
export class TrustedProxies {
  constructor(
    private readonly networks: readonly Network[],
    /** The entries as configured, for logs. */
    readonly entries: readonly string[],
  ) {
    Object.freeze(this);
  }

  /** Whether the address (any accepted spelling) lies in one of the trusted networks. */
  has(address: string): boolean {
    const bytes = parseAddress(address);
    return bytes !== undefined && this.hasBytes(bytes);
  }

  /** @internal */
  hasBytes(bytes: Bytes): boolean {
    return this.networks.some((n) => contains(n, bytes));
  }
}

/** Trusts nobody: source addresses are the socket's. */
export const NO_TRUSTED_PROXIES = new TrustedProxies([], []);

/**
 * Parses a comma-separated list of IP addresses and CIDR networks (IPv4 and IPv6). Every bad entry
 * is reported, by name, in `problems`.
 */
export function parseTrustedProxies(raw: string | undefined): { proxies: TrustedProxies; problems: string[] } {
  const problems: string[] = [];
  const networks: Network[] = [];
  const entries: string[] = [];
  for (const entry of (raw ?? "").split(",").map((e) => e.trim()).filter((e) => e !== "")) {
    const parsed = parseNetwork(entry);
    if (typeof parsed === "string") problems.push(`TRUSTED_PROXIES entry ${JSON.stringify(entry)} ${parsed}`);
    else {
      networks.push(parsed);
      entries.push(entry);
    }
  }
  return { proxies: new TrustedProxies(networks, entries), problems };
}

/**
 * The client's address: `peer` (the socket's remote address) unless it is a trusted proxy, then
 * the first untrusted `X-Forwarded-For` entry from the right (see the module comment).
 * `forwardedFor` is the header's value, or its values in order when it was sent more than once.
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trusted: TrustedProxies,
): string {
  const peerBytes = peer === undefined ? undefined : parseAddress(peer);
  if (peerBytes === undefined) return peer ?? "unknown";
  let client = peerBytes;
  if (!trusted.hasBytes(peerBytes) || forwardedFor === undefined) return format(client);
  const hops = (typeof forwardedFor === "string" ? [forwardedFor] : forwardedFor).join(",").split(",");
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = parseForwardedEntry(hops[i]!);
    if (hop === undefined) break; // not an address: keep the last trusted hop
    client = hop;
    if (!trusted.hasBytes(hop)) break;
  }
  return format(client);
}

/**
 * The key a source is throttled under where fresh addresses are cheap: IPv4 as it is, IPv6 by
 * its /64 (what one subscriber is usually given, so hopping addresses inside it gains nothing).
 * Anything that is not an address is returned unchanged.
 */
export function subscriberKey(address: string): string {
  const bytes = parseAddress(address);
  if (bytes === undefined) return address;
  return bytes.length === 4 ? format(bytes) : `${format([...bytes.slice(0, 8), ...new Array<number>(8).fill(0)])}/64`;
}

/** The canonical spelling of an address, or undefined when it is not one. */
export function canonicalAddress(text: string): string | undefined {
  const bytes = parseAddress(text);
  return bytes && format(bytes);
}

// --- internals --------------------------------------------------------------------------------

function contains(network: Network, bytes: Bytes): boolean {
  if (network.bytes.length !== bytes.length) return false;
  let bits = network.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((network.bytes[i]! & mask) !== (bytes[i]! & mask)) return false;
  }
  return true;
}

/** An address or CIDR network; a string says what is wrong with it. */
function parseNetwork(entry: string): Network | string {
  const slash = entry.indexOf("/");
  const addressText = slash < 0 ? entry : entry.slice(0, slash);
  const raw = parseRawAddress(addressText);
  if (raw === undefined) {
    return "is not an IP address or CIDR network (e.g. 10.0.0.0/8, 2001:db8::/32; host names are not resolved)";
  }
  const max = raw.length * 8;
  let prefix = max;
  if (slash >= 0) {
    const prefixText = entry.slice(slash + 1);
    prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (!(prefix >= 0 && prefix <= max)) return `has a prefix length that is not a whole number from 0 to ${max}`;
  }
  let bytes: Bytes = raw;
  if (raw.length === 16 && isIPv4Mapped(raw) && prefix >= 96) {
    bytes = raw.slice(12); // ::ffff:10.0.0.0/104 is 10.0.0.0/8: peers are compared as IPv4
    prefix -= 96;
  }
  const masked = bytes.map((b, i) => b & maskByte(prefix, i));
  if (masked.some((b, i) => b !== bytes[i])) {
    return `has bits set after its /${prefix} prefix; write the network address (${format(masked)}/${prefix})`;
  }
  return { bytes, prefix };
}

function maskByte(prefix: number, index: number): number {
  const bits = prefix - index * 8;
  return bits >= 8 ? 0xff : bits <= 0 ? 0 : (0xff << (8 - bits)) & 0xff;
}

/** An X-Forwarded-For entry: an address, optionally `v4:port`, `[v6]` or `[v6]:port`. */
function parseForwardedEntry(text: string): Bytes | undefined {
  const entry = text.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(entry);
  if (bracketed) return isIPv6(bracketed[1]!) ? parseAddress(bracketed[1]!) : undefined;
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(entry);
  return parseAddress(v4WithPort ? v4WithPort[1]! : entry);
}

/** An address as a peer or client: IPv4-mapped IPv6 becomes IPv4, a zone index is dropped. */
function parseAddress(text: string): Bytes | undefined {
  const raw = parseRawAddress(text);
  return raw !== undefined && raw.length === 16 && isIPv4Mapped(raw) ? raw.slice(12) : raw;
}

function parseRawAddress(text: string): Bytes | undefined {
  const zone = text.indexOf("%");
  const address = zone < 0 ? text : text.slice(0, zone);
  if (isIPv4(address)) return address.split(".").map(Number);
  if (!isIPv6(address) || (zone >= 0 && zone === text.length - 1)) return undefined;
  return parseIPv6(address.toLowerCase());
}

function parseIPv6(text: string): Bytes {
  // isIPv6 has vouched for the syntax: at most one "::", an IPv4 tail only last.
  const groupsOf = (part: string): number[] => {
    if (part === "") return [];
    return part.split(":").flatMap((g) => {
      if (g.includes(".")) {
        const [a, b, c, d] = g.split(".").map(Number) as [number, number, number, number];
        return [(a << 8) | b, (c << 8) | d];
      }
      return [parseInt(g, 16)];
    });
  };
  const [head, tail] = text.includes("::") ? (text.split("::") as [string, string]) : [text, undefined];
  const left = groupsOf(head);
  const right = tail === undefined ? [] : groupsOf(tail);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

function isIPv4Mapped(bytes: Bytes): boolean {
  return bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

/** Dotted IPv4, or RFC 5952 IPv6 (lower-case, longest run of two or more zero groups as "::"). */
function format(bytes: Bytes): string {
  if (bytes.length === 4) return bytes.join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
