import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

/**
 * Drops a delivery the trigger has already accepted, so one answer starts one execution.
 *
 * Two things repeat a delivery: the Ping server resends one whose 2xx came too late, with the
 * same `X-Ping-Idempotency-Key` (and a fresh signature), and anyone who captured a delivery
 * can POST it again while its signature is fresh (300 s). The key is not covered by the
 * signature, so a replay could carry another key; it cannot carry another signature without
 * the secret. So both are remembered: the key for longer than the server's whole retry
 * schedule (48 h; the schedule spans at most 43.6 h), the signature for as long as it could
 * pass the freshness check (until its `t` + 300 s, plus a minute of clock slack).
 *
 * Where: in this process (a map, checked and written with no await in between, so two copies
 * arriving together cannot both pass) and in the node's workflow static data, which n8n saves
 * with the workflow after a production execution, so the keys survive a restart. At most
 * MAX_SEEN entries are kept, the oldest dropped first.
 */

export const KEY_TTL_SECONDS = 48 * 3600;
const SIGNATURE_SLACK_SECONDS = 60;
export const MAX_SEEN = 1_000;
const IDEMPOTENCY_HEADER = 'x-ping-idempotency-key';
const STATIC_FIELD = 'pingSeenDeliveries';

/** Entry → epoch second after which it is forgotten. */
type Seen = Record<string, number>;

const inProcess = new Map<string, Map<string, number>>();

/** What identifies one delivery: its idempotency key (if sent) and its signature. */
export interface DeliveryIds {
	key: string | undefined;
	/** `t` and the first `v1` of the verified signature. */
	signature: { t: number; v1: string } | undefined;
}

export function deliveryIds(headers: IDataObject): DeliveryIds {
	const rawKey = headers[IDEMPOTENCY_HEADER];
	const key =
		typeof rawKey === 'string' && rawKey.length > 0 && rawKey.length <= 200 ? rawKey : undefined;
	const rawSignature = headers['x-ping-signature'];
	const header = typeof rawSignature === 'string' ? rawSignature : undefined;
	const t = /(?:^|,)\s*t=(\d{1,12})/.exec(header ?? '')?.[1];
	const v1 = /(?:^|,)\s*v1=([0-9a-fA-F]{64})/.exec(header ?? '')?.[1];
	return { key, signature: t && v1 ? { t: Number(t), v1: v1.toLowerCase() } : undefined };
}

function staticSeen(ctx: IWebhookFunctions): { data: IDataObject; seen: Seen } | undefined {
	try {
		const data = ctx.getWorkflowStaticData('node');
		const stored = data[STATIC_FIELD];
		const seen =
			typeof stored === 'object' && stored !== null && !Array.isArray(stored)
				? (stored as Seen)
				: {};
		return { data, seen };
	} catch {
		// a context without static data (tests, some test runs): the in-process memory still holds
		return undefined;
	}
}

function prune(seen: Map<string, number>, nowSeconds: number): void {
	for (const [id, until] of seen) if (until < nowSeconds) seen.delete(id);
	// Map keeps insertion order: the first entries are the oldest.
	while (seen.size > MAX_SEEN) seen.delete(seen.keys().next().value as string);
}

/**
 * Records the delivery and says whether it was seen before. Called only after the signature
 * was verified, so forged requests cannot fill the memory.
 */
export function isDuplicateDelivery(
	ctx: IWebhookFunctions,
	ids: DeliveryIds,
	nowMs: number = Date.now(),
): boolean {
	const now = Math.floor(nowMs / 1000);
	const entries: Array<[string, number]> = [];
	if (ids.key !== undefined) entries.push([`k:${ids.key}`, now + KEY_TTL_SECONDS]);
	if (ids.signature !== undefined) {
		entries.push([
			`s:${ids.signature.v1.slice(0, 32)}`,
			ids.signature.t + 300 + SIGNATURE_SLACK_SECONDS,
		]);
	}
	if (entries.length === 0) return false;

	const node = ctx.getNode();
	const workflowId = typeof ctx.getWorkflow === 'function' ? ctx.getWorkflow().id : undefined;
	const scope = `${workflowId ?? ''}/${node.id}`;
	let memory = inProcess.get(scope);
	if (!memory) {
		memory = new Map();
		inProcess.set(scope, memory);
	}
	const persisted = staticSeen(ctx);
	if (persisted) {
		for (const [id, until] of Object.entries(persisted.seen)) {
			if (typeof until === 'number' && !memory.has(id)) memory.set(id, until);
		}
	}
	prune(memory, now);

	const duplicate = entries.some(([id]) => memory.has(id));
	for (const [id, until] of entries) {
		const kept = memory.get(id) ?? 0;
		// Re-inserted, so it counts as the newest when the oldest are dropped.
		memory.delete(id);
		memory.set(id, Math.max(until, kept));
	}
	prune(memory, now);
	if (persisted && !duplicate) persisted.data[STATIC_FIELD] = Object.fromEntries(memory);
	return duplicate;
}
