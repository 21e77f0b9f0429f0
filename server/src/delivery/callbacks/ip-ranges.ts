import { isIP } from 'node:net';

/**
 * IP addresses as numbers, CIDR ranges, and the special-purpose ranges a callback must not
 * reach (IANA IPv4/IPv6 Special-Purpose Address Registries, plus cloud metadata addresses).
 * Pure code: no DNS, no sockets.
 */

export interface IpAddress {
	family: 4 | 6;
	/** 32-bit (IPv4) or 128-bit (IPv6) value. */
	value: bigint;
}

export interface Cidr {
	family: 4 | 6;
	base: bigint;
	prefix: number;
}

function parseIpv4(text: string): bigint {
	return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseIpv6(text: string): bigint {
	let head = text;
	let tailV4: bigint | null = null;
	const lastColon = head.lastIndexOf(':');
	if (head.slice(lastColon + 1).includes('.')) {
		tailV4 = parseIpv4(head.slice(lastColon + 1));
		head = `${head.slice(0, lastColon + 1)}0:0`;
	}
	const [left, right] = head.includes('::') ? head.split('::') : [head, null];
	const leftGroups = left ? left.split(':') : [];
	const rightGroups = right ? right.split(':') : [];
	const missing = 8 - leftGroups.length - rightGroups.length;
	const groups =
		right === null ? leftGroups : [...leftGroups, ...Array(missing).fill('0'), ...rightGroups];
	let value = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
	if (tailV4 !== null) value = (value & ~0xffffffffn) | tailV4;
	return value;
}

/** Parses an IPv4 or IPv6 literal (brackets and a zone id are tolerated); null if it is not one. */
export function parseIp(raw: string): IpAddress | null {
	let text = raw.trim();
	if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
	const zone = text.indexOf('%');
	if (zone >= 0) text = text.slice(0, zone);
	const family = isIP(text);
	if (family === 4) return { family: 4, value: parseIpv4(text) };
	if (family === 6) return { family: 6, value: parseIpv6(text.toLowerCase()) };
	return null;
}

const bits = (family: 4 | 6) => (family === 4 ? 32 : 128);

/** `10.0.0.0/8`, `fe80::/10`, or a bare address (a /32 or /128). Null if not valid. */
export function parseCidr(raw: string): Cidr | null {
	const [addr, prefixText, extra] = raw.trim().split('/');
	if (extra !== undefined) return null;
	const ip = parseIp(addr);
	if (!ip) return null;
	const max = bits(ip.family);
	if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null;
	const prefix = prefixText === undefined ? max : Number(prefixText);
	if (prefix > max) return null;
	return { family: ip.family, base: ip.value & mask(ip.family, prefix), prefix };
}

function mask(family: 4 | 6, prefix: number): bigint {
	const total = bits(family);
	const all = (1n << BigInt(total)) - 1n;
	return (all >> BigInt(total - prefix)) << BigInt(total - prefix);
}

export function inCidr(ip: IpAddress, cidr: Cidr): boolean {
	return ip.family === cidr.family && (ip.value & mask(cidr.family, cidr.prefix)) === cidr.base;
}

const cidr = (text: string): Cidr => parseCidr(text) as Cidr;

/** Why an address is not public: a short description of its range, for the refusal message. */
interface SpecialRange {
	range: Cidr;
	text: string;
	kind: string;
}
const special = (text: string, kind: string): SpecialRange => ({ range: cidr(text), text, kind });

/**
 * The tables, built on first use rather than at start: parsing their IPv6 literals compiles
 * Node's IPv6 pattern, about 10 ms that a server without callbacks never needs.
 */
let tables: ReturnType<typeof buildTables> | null = null;
const ranges = () => (tables ??= buildTables());

function buildTables() {
	const IPV4_SPECIAL: SpecialRange[] = [
		special('0.0.0.0/8', 'an unspecified ("this network") address'),
		special('10.0.0.0/8', 'a private address'),
		special('100.64.0.0/10', 'a carrier-grade NAT (shared) address'),
		special('127.0.0.0/8', 'a loopback address'),
		special('169.254.169.254/32', 'the cloud metadata address'),
		special('169.254.0.0/16', 'a link-local address'),
		special('172.16.0.0/12', 'a private address'),
		special('192.0.0.0/24', 'an IETF protocol assignment address'),
		special('192.0.2.0/24', 'a documentation address'),
		special('192.88.99.0/24', 'a 6to4 relay anycast address'),
		special('192.168.0.0/16', 'a private address'),
		special('198.18.0.0/15', 'a benchmarking address'),
		special('198.51.100.0/24', 'a documentation address'),
		special('203.0.113.0/24', 'a documentation address'),
		special('224.0.0.0/4', 'a multicast address'),
		special('255.255.255.255/32', 'the broadcast address'),
		special('240.0.0.0/4', 'a reserved address'),
	];

	const IPV6_SPECIAL: SpecialRange[] = [
		special('::/128', 'the unspecified address'),
		special('::1/128', 'a loopback address'),
		special('64:ff9b:1::/48', 'a local-use NAT64 address'),
		special('100::/64', 'a discard-only address'),
		special('2001::/32', 'a Teredo tunnel address'),
		special('2001:2::/48', 'a benchmarking address'),
		special('2001:10::/28', 'an ORCHID address'),
		special('2001:20::/28', 'an ORCHIDv2 address'),
		special('2001:db8::/32', 'a documentation address'),
		special('3fff::/20', 'a documentation address'),
		special('fd00:ec2::254/128', 'the cloud metadata address'),
		special('fc00::/7', 'a unique-local (private) address'),
		special('fe80::/10', 'a link-local address'),
		special('fec0::/10', 'a site-local address'),
		special('ff00::/8', 'a multicast address'),
	];

	const GLOBAL_UNICAST_V6 = cidr('2000::/3');

	/** IPv6 forms that carry an IPv4 address, which is what the connection really reaches. */
	const EMBEDDED_V4: { range: Cidr; name: string; extract: (v: bigint) => bigint }[] = [
		{ range: cidr('::ffff:0:0/96'), name: 'an IPv4-mapped IPv6', extract: (v) => v & 0xffffffffn },
		{ range: cidr('64:ff9b::/96'), name: 'a NAT64', extract: (v) => v & 0xffffffffn },
		{ range: cidr('2002::/16'), name: 'a 6to4', extract: (v) => (v >> 80n) & 0xffffffffn },
	];
	/** Deprecated (RFC 4291): never a legitimate destination, whatever IPv4 address it wraps. */
	const IPV4_COMPATIBLE = cidr('::/96');
	return { IPV4_SPECIAL, IPV6_SPECIAL, GLOBAL_UNICAST_V6, EMBEDDED_V4, IPV4_COMPATIBLE };
}

/** The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:a.b.c.d`), else the address itself. */
export function unmapIpv4(ip: IpAddress): IpAddress {
	return ip.family === 6 && inCidr(ip, ranges().EMBEDDED_V4[0].range)
		? { family: 4, value: ip.value & 0xffffffffn }
		: ip;
}

export function formatIpv4(value: bigint): string {
	return [24n, 16n, 8n, 0n].map((s) => Number((value >> s) & 0xffn)).join('.');
}

/** Null when the address is public; otherwise why it is not (e.g. "a loopback address (127.0.0.0/8)"). */
export function nonPublicReason(ip: IpAddress): string | null {
	const { IPV4_SPECIAL, IPV6_SPECIAL, GLOBAL_UNICAST_V6, EMBEDDED_V4, IPV4_COMPATIBLE } = ranges();
	if (ip.family === 4) {
		const hit = IPV4_SPECIAL.find((s) => inCidr(ip, s.range));
		return hit ? `${hit.kind} (${hit.text})` : null;
	}
	const exact = IPV6_SPECIAL.find((s) => s.range.prefix === 128 && inCidr(ip, s.range));
	if (exact) return `${exact.kind} (${exact.text})`;
	for (const form of EMBEDDED_V4) {
		if (!inCidr(ip, form.range)) continue;
		const v4: IpAddress = { family: 4, value: form.extract(ip.value) };
		const inner = nonPublicReason(v4);
		return inner ? `${form.name} form of ${formatIpv4(v4.value)}, ${inner}` : null;
	}
	if (inCidr(ip, IPV4_COMPATIBLE)) return 'a deprecated IPv4-compatible IPv6 address (::/96)';
	const hit = IPV6_SPECIAL.find((s) => inCidr(ip, s.range));
	if (hit) return `${hit.kind} (${hit.text})`;
	if (!inCidr(ip, GLOBAL_UNICAST_V6)) return 'a reserved address (outside 2000::/3)';
	return null;
}
