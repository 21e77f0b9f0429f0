import { LookupAddress } from 'node:dns';
import {
	AddressGuard,
	CallbackRefusedError,
	allowEntriesFromEnv,
} from '../../../../server/src/delivery/callbacks/address-guard';
import { nonPublicReason, parseIp } from '../../../../server/src/delivery/callbacks/ip-ranges';
import { ConfigError, loadConfig } from '../../../../server/src/config/config';

/** Every class of non-public address, with a word its refusal must contain. */
const REFUSED: [string, RegExp][] = [
	['127.0.0.1', /loopback/],
	['127.255.0.9', /loopback/],
	['10.1.2.3', /private/],
	['172.16.0.1', /private/],
	['172.31.255.255', /private/],
	['192.168.1.10', /private/],
	['169.254.169.254', /metadata/],
	['169.254.10.1', /link-local/],
	['100.64.0.1', /carrier-grade NAT/],
	['100.100.100.200', /carrier-grade NAT/],
	['0.0.0.0', /unspecified/],
	['0.1.2.3', /unspecified/],
	['224.0.0.1', /multicast/],
	['239.255.255.250', /multicast/],
	['240.0.0.1', /reserved/],
	['255.255.255.255', /broadcast/],
	['192.0.2.7', /documentation/],
	['198.18.0.1', /benchmarking/],
	['192.0.0.170', /IETF/],
	['::1', /loopback/],
	['::', /unspecified/],
	['fe80::1', /link-local/],
	['fc00::1', /unique-local/],
	['fd12:3456::1', /unique-local/],
	['fd00:ec2::254', /metadata/],
	['ff02::1', /multicast/],
	['fec0::1', /site-local/],
	['::ffff:127.0.0.1', /IPv4-mapped IPv6 form of 127\.0\.0\.1, a loopback/],
	['::ffff:a9fe:a9fe', /IPv4-mapped IPv6 form of 169\.254\.169\.254, the cloud metadata/],
	['::ffff:10.0.0.1', /IPv4-mapped .* private/],
	['::127.0.0.1', /IPv4-compatible/],
	['::8.8.8.8', /IPv4-compatible/],
	['64:ff9b::a00:1', /NAT64 form of 10\.0\.0\.1/],
	['64:ff9b:1::1', /local-use NAT64/],
	['2002:7f00:1::1', /6to4 form of 127\.0\.0\.1/],
	['2001:0:4136:e378::1', /Teredo/],
	['2001:db8::1', /documentation/],
	['100::1', /discard/],
	['4000::1', /reserved/],
];

const PUBLIC = [
	'8.8.8.8',
	'1.1.1.1',
	'93.184.216.34',
	'172.32.0.1',
	'100.128.0.1',
	'2606:4700::1111',
	'::ffff:8.8.8.8',
	'64:ff9b::808:808',
	'2002:808:808::1',
];

describe('non-public address ranges', () => {
	test.each(REFUSED)('%s is refused as %s', (address, why) => {
		const ip = parseIp(address);
		expect(ip).not.toBeNull();
		expect(nonPublicReason(ip!)).toMatch(why);
	});

	test.each(PUBLIC)('%s is public', (address) => {
		expect(nonPublicReason(parseIp(address)!)).toBeNull();
	});
});

describe('AddressGuard', () => {
	test('a refusal names the address, the reason and the PING_CALLBACK_ALLOW setting', () => {
		const refused = new AddressGuard([]).refusal('10.0.0.5', '10.0.0.5');
		expect(refused).toBeInstanceOf(CallbackRefusedError);
		expect(refused!.message).toMatch(/10\.0\.0\.5 is a private address \(10\.0\.0\.0\/8\)/);
		expect(refused!.message).toMatch(/PING_CALLBACK_ALLOW=10\.0\.0\.5\/32/);
		const named = new AddressGuard([]).refusal('n8n.local', '192.168.1.4');
		expect(named!.message).toMatch(/n8n\.local \(192\.168\.1\.4\)/);
		expect(named!.message).toMatch(/PING_CALLBACK_ALLOW=n8n\.local/);
	});

	test('the allow-list lets hosts, CIDRs and subdomains through, and nothing else', () => {
		const guard = new AddressGuard([
			'10.0.0.0/8',
			'::1',
			'n8n.internal',
			'*.corp.example',
			'127.0.0.1/32',
		]);
		expect(guard.refusal('10.9.8.7', '10.9.8.7')).toBeNull();
		expect(guard.refusal('x', '::1')).toBeNull();
		expect(guard.refusal('n8n.internal', '192.168.0.1')).toBeNull();
		expect(guard.refusal('N8N.Internal.', '192.168.0.1')).toBeNull();
		expect(guard.refusal('hooks.corp.example', '172.16.0.9')).toBeNull();
		// an IPv4 CIDR also covers the IPv4-mapped IPv6 form of its addresses
		expect(guard.refusal('::ffff:127.0.0.1', '::ffff:127.0.0.1')).toBeNull();
		expect(guard.refusal('11.0.0.1', '192.168.0.1')).not.toBeNull();
		expect(guard.refusal('evil-n8n.internal', '192.168.0.1')).not.toBeNull();
		expect(guard.refusal('corp.example.evil', '172.16.0.9')).not.toBeNull();
		expect(guard.refusal('127.0.0.2', '127.0.0.2')).not.toBeNull();
	});

	test('bad PING_CALLBACK_ALLOW or PING_CALLBACK_TIMEOUT_MS values stop the start with a message naming the setting', () => {
		expect(() => loadConfig({ PING_CALLBACK_ALLOW: '10.0.0.0/33' })).toThrow(ConfigError);
		expect(() => loadConfig({ PING_CALLBACK_ALLOW: 'http://x/' })).toThrow(
			/PING_CALLBACK_ALLOW entry "http:\/\/x\/"/,
		);
		expect(
			loadConfig({ PING_CALLBACK_ALLOW: ' 127.0.0.1/32, ::1 ,localhost,' }).callbackAllow,
		).toEqual(['127.0.0.1/32', '::1', 'localhost']);
		expect(allowEntriesFromEnv(undefined)).toEqual([]);
		expect(loadConfig({}).callbackTimeoutMs).toBe(10_000);
		expect(loadConfig({ PING_CALLBACK_TIMEOUT_MS: '2500' }).callbackTimeoutMs).toBe(2_500);
		expect(() => loadConfig({ PING_CALLBACK_TIMEOUT_MS: '10' })).toThrow(
			/PING_CALLBACK_TIMEOUT_MS must be between/,
		);
		expect(() => loadConfig({ PING_CALLBACK_TIMEOUT_MS: 'soon' })).toThrow(
			/PING_CALLBACK_TIMEOUT_MS must be a whole number/,
		);
	});

	describe('lookup (the resolver the delivery sockets use)', () => {
		const fakeDns =
			(answers: Record<string, string[]>) =>
			async (host: string): Promise<LookupAddress[]> =>
				(answers[host] ?? []).map((address) => ({
					address,
					family: address.includes(':') ? 6 : 4,
				}));

		const lookup = (guard: AddressGuard, host: string, all: boolean) =>
			new Promise<{ error: Error | null; result: unknown }>((resolve) =>
				guard.lookup(host, { all }, (error: Error | null, result: unknown) =>
					resolve({ error, result }),
				),
			);

		test('a name that resolves only to internal addresses is refused before any connection', async () => {
			const guard = new AddressGuard([], fakeDns({ 'rebind.example': ['127.0.0.1', '::1'] }));
			const { error } = await lookup(guard, 'rebind.example', false);
			expect(error).toBeInstanceOf(CallbackRefusedError);
			expect(error!.message).toMatch(
				/rebind\.example \(127\.0\.0\.1\) is a loopback address.*PING_CALLBACK_ALLOW/,
			);
		});

		test('internal addresses among public ones are dropped, so only a public one can be connected to', async () => {
			const guard = new AddressGuard(
				[],
				fakeDns({ 'mixed.example': ['10.0.0.1', '8.8.4.4', '::ffff:127.0.0.1', '2606:4700::1'] }),
			);
			expect((await lookup(guard, 'mixed.example', true)).result).toEqual([
				{ address: '8.8.4.4', family: 4 },
				{ address: '2606:4700::1', family: 6 },
			]);
			const single = await new Promise<unknown[]>((resolve) =>
				guard.lookup('mixed.example', {}, (...args: unknown[]) => resolve(args)),
			);
			expect(single).toEqual([null, '8.8.4.4', 4]);
		});

		test('an allow-listed name resolves to whatever it resolves to', async () => {
			const guard = new AddressGuard(['n8n.lan'], fakeDns({ 'n8n.lan': ['192.168.1.20'] }));
			expect((await lookup(guard, 'n8n.lan', true)).result).toEqual([
				{ address: '192.168.1.20', family: 4 },
			]);
		});
	});

	describe('send-time check (refusalForUrl)', () => {
		test('IP literals are judged without a DNS lookup', async () => {
			const resolver = jest.fn(async () => [] as LookupAddress[]);
			const guard = new AddressGuard([], resolver);
			expect(await guard.refusalForUrl(new URL('http://[::ffff:7f00:1]:8080/x'))).not.toBeNull();
			expect(await guard.refusalForUrl(new URL('http://2130706433/'))).not.toBeNull();
			expect(await guard.refusalForUrl(new URL('https://8.8.8.8/'))).toBeNull();
			expect(resolver).not.toHaveBeenCalled();
		});

		test('a name is refused only when all of its addresses are non-public; unresolvable names wait for delivery', async () => {
			const guard = new AddressGuard([], async (host) => {
				if (host === 'down.example')
					throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
				const map: Record<string, string[]> = {
					'internal.example': ['10.0.0.1', 'fd00::1'],
					'split.example': ['10.0.0.1', '8.8.8.8'],
				};
				return (map[host] ?? []).map((address) => ({
					address,
					family: address.includes(':') ? 6 : 4,
				}));
			});
			expect(await guard.refusalForUrl(new URL('https://internal.example/hook'))).not.toBeNull();
			expect(await guard.refusalForUrl(new URL('https://split.example/hook'))).toBeNull();
			expect(await guard.refusalForUrl(new URL('https://down.example/hook'))).toBeNull();
		});
	});
});
