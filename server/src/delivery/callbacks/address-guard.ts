import { LookupAddress, promises as dns } from 'node:dns';
import { LookupFunction, Socket } from 'node:net';
import { Cidr, inCidr, nonPublicReason, parseCidr, parseIp, unmapIpv4 } from './ip-ranges';

/**
 * Keeps user-supplied callback URLs from reaching the operator's own network (SSRF).
 *
 * The address that counts is the one actually connected to: deliveries resolve names through
 * `lookup` below (given to the HTTP agent), which drops every non-public address before the
 * socket connects, so a name that resolved to a public address at send time and to 127.0.0.1
 * at delivery (DNS rebinding) still can't get through. The operator's allow-list
 * (PING_CALLBACK_ALLOW) names hosts and CIDRs that may be reached anyway, e.g. an n8n on the
 * same private network.
 */

export const ALLOW_SETTING = 'PING_CALLBACK_ALLOW';
/** A send-time DNS lookup longer than this is not waited for: the delivery checks again. */
const SEND_TIME_LOOKUP_MS = 2_000;

export type Resolver = (hostname: string, family: number) => Promise<LookupAddress[]>;
const systemResolver: Resolver = (hostname, family) =>
	dns.lookup(hostname, { all: true, family, verbatim: true });

interface AllowList {
	/** Exact host names, lowercased; `.example.com` matches every subdomain of example.com. */
	hosts: string[];
	cidrs: Cidr[];
}

/** A DNS name (labels of letters, digits, `-`, `_`), optionally `*.`-prefixed. */
const HOST_PATTERN =
	/^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/;

/**
 * Parses PING_CALLBACK_ALLOW entries (`10.0.0.0/8`, `::1`, `n8n.internal`, `*.corp.example`).
 * Throws a message naming the setting for an entry that is none of those.
 */
export function parseAllowList(entries: readonly string[]): AllowList {
	const list: AllowList = { hosts: [], cidrs: [] };
	for (const raw of entries) {
		const entry = raw.trim().toLowerCase();
		if (entry === '') continue;
		const range = parseCidr(entry);
		if (range) list.cidrs.push(range);
		else if (HOST_PATTERN.test(entry)) {
			list.hosts.push(entry.replace(/^\*\./, '.').replace(/\.$/, ''));
		} else {
			throw new Error(
				`${ALLOW_SETTING} entry "${raw.trim()}" is not a host name, an IP address or a CIDR range`,
			);
		}
	}
	return list;
}

/** Splits the raw setting (comma-separated) into entries, checking each. */
export function allowEntriesFromEnv(raw: string | undefined): string[] {
	const entries = (raw ?? '')
		.split(',')
		.map((e) => e.trim())
		.filter((e) => e !== '');
	parseAllowList(entries);
	return entries;
}

/** A refused callback address: the message says what was refused and which setting allows it. */
export class CallbackRefusedError extends Error {
	readonly code = 'ECALLBACKREFUSED';
	constructor(
		readonly host: string,
		readonly address: string,
		readonly reason: string,
	) {
		super(
			`${host === address ? address : `${host} (${address})`} is ${reason}; callbacks may only reach public addresses ` +
				`unless the server operator allows it with ${ALLOW_SETTING} (comma-separated hosts and CIDRs, ` +
				`e.g. ${ALLOW_SETTING}=${suggestion(host, address)})`,
		);
		this.name = 'CallbackRefusedError';
	}
}

function suggestion(host: string, address: string): string {
	if (host !== address) return host;
	const ip = parseIp(address);
	return ip ? `${address}/${ip.family === 4 ? 32 : 128}` : address;
}

/** `[::1]` → `::1`; host names lowercased without a trailing dot. */
export function bareHost(hostname: string): string {
	const h = hostname.toLowerCase();
	return (h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h).replace(/\.$/, '');
}

export class AddressGuard {
	private readonly allow: AllowList;

	constructor(
		allowEntries: readonly string[],
		private readonly resolve: Resolver = systemResolver,
	) {
		this.allow = parseAllowList(allowEntries);
	}

	/** The operator named this host (or a parent domain) in the allow-list. */
	hostAllowed(hostname: string): boolean {
		const host = bareHost(hostname);
		return this.allow.hosts.some((h) => (h.startsWith('.') ? host.endsWith(h) : host === h));
	}

	/** Null when `address` may be connected to for `hostname`, else why not. */
	refusal(hostname: string, address: string): CallbackRefusedError | null {
		if (this.hostAllowed(hostname)) return null;
		const ip = parseIp(address);
		if (!ip) return new CallbackRefusedError(bareHost(hostname), address, 'not an IP address');
		const unmapped = unmapIpv4(ip);
		if (this.allow.cidrs.some((c) => inCidr(ip, c) || inCidr(unmapped, c))) return null;
		const reason = nonPublicReason(ip);
		return reason ? new CallbackRefusedError(bareHost(hostname), address, reason) : null;
	}

	/**
	 * Send-time check, kept cheap: an IP literal is judged without any I/O; a host name is
	 * looked up once and refused only if every address it has is non-public. A name that
	 * does not resolve (yet) is accepted here; the delivery checks again on connect.
	 */
	async refusalForUrl(url: URL): Promise<CallbackRefusedError | null> {
		const host = bareHost(url.hostname);
		if (this.hostAllowed(host)) return null;
		if (parseIp(host)) return this.refusal(host, host);
		let addresses: LookupAddress[];
		try {
			addresses = await withTimeout(this.resolve(host, 0), SEND_TIME_LOOKUP_MS);
		} catch {
			return null;
		}
		if (addresses.length === 0) return null;
		const refusals = addresses.map((a) => this.refusal(host, a.address));
		return refusals.every((r) => r !== null) ? refusals[0] : null;
	}

	/**
	 * A `lookup` for http(s) agents: resolves, then keeps only addresses this guard accepts,
	 * so the socket can only ever connect to a checked address.
	 */
	readonly lookup: LookupFunction = (hostname, options, callback) => {
		const family = typeof options === 'number' ? options : (options?.family ?? 0);
		const all = typeof options === 'object' && options !== null && options.all === true;
		const familyNumber = family === 'IPv4' ? 4 : family === 'IPv6' ? 6 : Number(family) || 0;
		this.resolve(hostname, familyNumber).then(
			(addresses) => {
				const accepted = addresses.filter((a) => this.refusal(hostname, a.address) === null);
				if (accepted.length === 0) {
					const first = addresses[0];
					const error = first
						? this.refusal(hostname, first.address)
						: Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
					return (callback as (e: Error) => void)(error as Error);
				}
				if (all) return (callback as (e: null, a: LookupAddress[]) => void)(null, accepted);
				(callback as (e: null, a: string, f: number) => void)(
					null,
					accepted[0].address,
					accepted[0].family,
				);
			},
			(error: Error) => (callback as (e: Error) => void)(error),
		);
	};

	/**
	 * Belt and braces for the connected socket itself (and the one path that skips `lookup`:
	 * a URL whose host is an IP literal): destroys the socket if its peer is refused.
	 */
	guardSocket(socket: Socket, hostname: string): void {
		const check = () => {
			const address = socket.remoteAddress;
			const refused = address ? this.refusal(hostname, address) : null;
			if (refused) socket.destroy(refused);
		};
		if (socket.connecting) socket.once('connect', check);
		else check();
	}
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('timeout')), ms);
		timer.unref();
		promise.then(
			(v) => {
				clearTimeout(timer);
				resolve(v);
			},
			(e) => {
				clearTimeout(timer);
				reject(e);
			},
		);
	});
}
