import { ApiError, badRequest } from '../domain/errors';
import { JsonObject, isObject, optionalEnum, optionalString } from '../domain/fields';
import { newDeviceId } from '../domain/ids';
import { ApnsDevice, ApnsEnvironment, WebPushDevice } from '../domain/types';
import { parseChannelScope } from './pairings';
import { DevicePatch } from '../store/store';
import { AppContext } from './context';
import { presentDevice } from './present';
import { ApiRequest, Reply, json } from './route';

const ENVIRONMENTS: readonly ApnsEnvironment[] = ['sandbox', 'production'];
/** APNs device tokens are hex; 32 bytes today, longer ones are allowed by Apple's docs. */
const TOKEN_PATTERN = /^[0-9a-fA-F]{64,200}$/;

function parseToken(body: JsonObject, required: boolean): string | undefined {
	const token = optionalString(body, 'token', 'token', 200);
	if (token === undefined) {
		if (required) throw badRequest('token is required (the APNs device token, hex)');
		return undefined;
	}
	if (!TOKEN_PATTERN.test(token))
		throw badRequest('token must be an APNs device token: 64 to 200 hex characters');
	return token.toLowerCase();
}

function parseDevicePatch(body: JsonObject): DevicePatch {
	const patch: DevicePatch = {};
	const environment = optionalEnum(body, 'environment', 'environment', ENVIRONMENTS);
	if (environment !== undefined) patch.environment = environment;
	const topic = optionalString(body, 'topic', 'topic', 200);
	if (topic !== undefined || body.topic === null) patch.topic = topic ?? null;
	const name = optionalString(body, 'name', 'name', 100);
	if (name !== undefined || body.name === null) patch.name = name ?? null;
	return patch;
}

/** Registers a device; registering a known token again refreshes it (200, not 201). */
export async function registerDevice(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	if (!isObject(req.body)) throw badRequest('request body must be a JSON object');
	const token = parseToken(req.body, true) as string;
	const patch = parseDevicePatch(req.body);
	const account = req.accountId;
	const now = ctx.clock.now();
	const existing = await ctx.store.findDeviceByToken(account, token);
	if (existing) {
		const updated = await ctx.store.updateDevice(existing.id, { ...patch, registeredAt: now });
		return json({ ok: true, device: presentDevice(updated ?? existing) });
	}
	const device: ApnsDevice = {
		id: newDeviceId(),
		kind: 'apns',
		accountId: account,
		token,
		environment: patch.environment ?? 'production',
		topic: patch.topic ?? null,
		name: patch.name ?? null,
		createdAt: now,
		registeredAt: now,
		lastSeenAt: null,
	};
	await ctx.store.ensureAccount(account, now);
	await ctx.store.insertDevice(device);
	return json({ ok: true, device: presentDevice(device) }, 201);
}

export async function listDevices(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const devices = await ctx.store.listDevices(req.accountId);
	return json({ ok: true, devices: devices.map(presentDevice) });
}

async function ownDevice(ctx: AppContext, id: string, account: string) {
	const device = await ctx.store.getDevice(id);
	if (!device || device.accountId !== account) throw new ApiError(404, `device ${id} not found`);
	return device;
}

export async function updateDevice(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	if (!isObject(req.body)) throw badRequest('request body must be a JSON object');
	const device = await ownDevice(ctx, req.params.id, req.accountId);
	if (device.kind === 'webpush') return updatePairedBrowser(ctx, device, req.body);
	const patch = parseDevicePatch(req.body);
	const token = parseToken(req.body, false);
	if (token !== undefined) {
		const clash = await ctx.store.findDeviceByToken(device.accountId, token);
		if (clash && clash.id !== device.id)
			throw new ApiError(409, 'token is already registered as another device');
		patch.token = token;
	}
	const updated = await ctx.store.updateDevice(device.id, {
		...patch,
		registeredAt: ctx.clock.now(),
	});
	return json({ ok: true, device: presentDevice(updated ?? device) });
}

/** A paired browser: its name and its channels change here; its subscription is its own business. */
async function updatePairedBrowser(
	ctx: AppContext,
	device: WebPushDevice,
	body: JsonObject,
): Promise<Reply> {
	for (const field of ['token', 'environment', 'topic'] as const) {
		if (body[field] !== undefined)
			throw badRequest(
				`${field} applies to APNs devices only; device ${device.id} is a paired browser`,
			);
	}
	const patch: DevicePatch = {};
	const name = optionalString(body, 'name', 'name', 100);
	if (name !== undefined || body.name === null) patch.name = name ?? null;
	if (body.channel_ids !== undefined) {
		patch.channelIds = await parseChannelScope(ctx, device.accountId, body.channel_ids);
	}
	const updated = await ctx.store.updateDevice(device.id, patch);
	return json({ ok: true, device: presentDevice(updated ?? device) });
}

export async function deleteDevice(ctx: AppContext, req: ApiRequest<'key'>): Promise<Reply> {
	const device = await ownDevice(ctx, req.params.id, req.accountId);
	await ctx.store.deleteDevice(device.id);
	return json({ ok: true });
}
