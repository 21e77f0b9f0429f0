import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { ICredentialTestFunctions } from 'n8n-workflow';
import { PingAccountApi } from '../../credentials/PingAccountApi.credentials';
import { PingApi } from '../../credentials/PingApi.credentials';
import {
	testPingAccountCredential,
	testPingApiCredential,
} from '../../nodes/shared/methods/credentialTest';
import { ADMIN_KEY, createChannel, startTestServer, TestServer } from '../helpers/server';

/**
 * n8n hands credential tests a `helpers.request` (request-promise options). This one does
 * what n8n's does for the options the tests use, over real HTTP.
 */
const requestHelper = {
	helpers: {
		async request(options: {
			method: string;
			uri: string;
			headers: Record<string, string>;
			timeout: number;
		}) {
			const res = await fetch(options.uri, {
				method: options.method,
				headers: options.headers,
				signal: AbortSignal.timeout(options.timeout),
			});
			const text = await res.text();
			let body: unknown = text;
			try {
				body = JSON.parse(text);
			} catch {
				body = text;
			}
			return { statusCode: res.status, body };
		},
	},
} as unknown as ICredentialTestFunctions;

const credential = (data: Record<string, string>) => ({
	id: '1',
	name: 'Ping',
	type: 'pingApi',
	data,
});

describe('Ping credentials', () => {
	let server: TestServer;
	let notPing: Server;
	let notPingUrl: string;
	beforeAll(async () => {
		server = await startTestServer();
		// Some other web server: answers HTML, as a wrong URL usually does.
		notPing = createServer((_req, res) => {
			res.writeHead(404, { 'content-type': 'text/html' });
			res.end('<html><body>Not Found</body></html>');
		});
		await new Promise<void>((resolve) => notPing.listen(0, '127.0.0.1', resolve));
		notPingUrl = `http://127.0.0.1:${(notPing.address() as AddressInfo).port}`;
	});
	afterAll(async () => {
		await new Promise<void>((resolve) => notPing.close(() => resolve()));
		await server.stop();
	});

	it('declare the names, fields and authentication the nodes rely on', () => {
		const api = new PingApi();
		expect(api.name).toBe('pingApi');
		expect(api.properties.map((p) => p.name)).toEqual([
			'serverUrl',
			'webhookToken',
			'webhookSecret',
		]);
		expect(api.properties.find((p) => p.name === 'webhookSecret')?.typeOptions?.password).toBe(
			true,
		);
		const account = new PingAccountApi();
		expect(account.name).toBe('pingAccountApi');
		expect(account.authenticate.properties.headers).toEqual({
			Authorization: '=Bearer {{$credentials.apiKey}}',
		});
	});

	describe('pingApi test', () => {
		it('accepts a valid webhook token', async () => {
			const channel = await createChannel(server.url);
			const result = await testPingApiCredential.call(
				requestHelper,
				credential({ serverUrl: `${server.url}/`, webhookToken: channel.token }),
			);
			expect(result).toEqual({
				status: 'OK',
				message: 'The Ping server accepted the webhook token',
			});
		});

		it('says the token is wrong when the Ping server answers 401', async () => {
			const result = await testPingApiCredential.call(
				requestHelper,
				credential({ serverUrl: server.url, webhookToken: 'not-a-real-token-not-a-real-token' }),
			);
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(/^Wrong Webhook Token/);
		});

		it('says the URL is wrong when the answer is not Ping JSON', async () => {
			const result = await testPingApiCredential.call(
				requestHelper,
				credential({ serverUrl: notPingUrl, webhookToken: 'anything' }),
			);
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(/^Wrong Server URL: .* answered HTTP 404 without Ping's JSON/);
		});

		it('says the URL is wrong when nothing answers there', async () => {
			const closed = createServer();
			await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
			const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
			await new Promise<void>((resolve) => closed.close(() => resolve()));
			const result = await testPingApiCredential.call(
				requestHelper,
				credential({ serverUrl: url, webhookToken: 'anything' }),
			);
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(/^Wrong Server URL: no server answered/);
		});
	});

	describe('pingAccountApi test', () => {
		it('accepts a valid API key', async () => {
			const result = await testPingAccountCredential.call(
				requestHelper,
				credential({ serverUrl: server.url, apiKey: ADMIN_KEY }),
			);
			expect(result.status).toBe('OK');
		});

		it('says the key is wrong when the Ping server answers 401', async () => {
			const result = await testPingAccountCredential.call(
				requestHelper,
				credential({ serverUrl: server.url, apiKey: 'pk_live_wrongwrongwrongwrongwrongwrong12' }),
			);
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(/^Wrong API Key/);
		});

		it('says the URL is wrong when the answer is not Ping JSON', async () => {
			const result = await testPingAccountCredential.call(
				requestHelper,
				credential({ serverUrl: notPingUrl, apiKey: ADMIN_KEY }),
			);
			expect(result.status).toBe('Error');
			expect(result.message).toMatch(/^Wrong Server URL/);
		});
	});
});
