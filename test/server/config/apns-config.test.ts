import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from '../../../server/src/config/config';
import { generateProviderKey, tempFile } from '../../fakes/fake-apns';
import { KEY_ID, TEAM_ID, TOPIC } from '../../helpers/push';

const key = generateProviderKey();
const full = {
	PING_APNS_KEY: key.privateKeyPem,
	PING_APNS_KEY_ID: KEY_ID,
	PING_APNS_TEAM_ID: TEAM_ID,
	PING_APNS_TOPIC: TOPIC,
};

describe('APNs settings', () => {
	test('none set: pushes are off, not an error', () => {
		expect(loadConfig({}).apns).toBeNull();
	});

	test('all four set: token auth with defaults', () => {
		expect(loadConfig(full).apns).toMatchObject({
			key: key.privateKeyPem.trim(),
			keyId: KEY_ID,
			teamId: TEAM_ID,
			topic: TOPIC,
			host: null,
			port: 443,
			ca: null,
			maxInFlight: 500,
			requestTimeoutMs: 10_000,
		});
	});

	test('the key may be a path to the .p8 file, or PEM with literal \\n (as .env files carry it)', () => {
		expect(
			loadConfig({ ...full, PING_APNS_KEY: tempFile('AuthKey.p8', key.privateKeyPem) }).apns?.key,
		).toBe(key.privateKeyPem);
		const oneLine = key.privateKeyPem.trim().replace(/\n/g, '\\n');
		expect(loadConfig({ ...full, PING_APNS_KEY: oneLine }).apns?.key).toBe(
			key.privateKeyPem.trim(),
		);
	});

	test.each([
		[{ PING_APNS_KEY_ID: '' }, 'set PING_APNS_KEY_ID as well'],
		[
			{ PING_APNS_KEY: '/no/such/AuthKey.p8' },
			'PING_APNS_KEY is neither PEM text nor a readable file',
		],
		[{ PING_APNS_KEY: generateRsaPem() }, 'PING_APNS_KEY must be an APNs auth key (.p8)'],
		[{ PING_APNS_KEY_ID: 'abc' }, 'PING_APNS_KEY_ID must be the 10-character key id'],
		[{ PING_APNS_TEAM_ID: 'team' }, 'PING_APNS_TEAM_ID must be the 10-character team id'],
		[{ PING_APNS_TOPIC: 'com example' }, "PING_APNS_TOPIC must be the app's bundle id"],
		[{ PING_APNS_PORT: '0' }, 'PING_APNS_PORT must be between 1 and 65535'],
		[{ PING_APNS_MAX_IN_FLIGHT: '5000' }, 'PING_APNS_MAX_IN_FLIGHT must be between 1 and 1000'],
		[
			{ PING_APNS_CA: tempFile('ca.pem', 'not a certificate') },
			'PING_APNS_CA must be a PEM certificate',
		],
	])('%j stops start-up with a clear error', (patch, message) => {
		const env = { ...full, ...patch };
		expect(() => loadConfig(env)).toThrow(ConfigError);
		expect(() => loadConfig(env)).toThrow(message);
	});
});

function generateRsaPem(): string {
	return generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
		type: 'pkcs8',
		format: 'pem',
	}) as string;
}
