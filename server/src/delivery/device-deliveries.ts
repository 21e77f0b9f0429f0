import { iso } from '../domain/message';
import { Device, DeviceDelivery, DeviceKind, MessageRecord } from '../domain/types';
import { Counter } from '../observability/metrics';
import { Store, queuedDelivery } from '../store/store';

/**
 * The per-device delivery rows of `GET /v1/messages/{id}`. APNs and Web Push keep their rows in
 * the same store table (one per message and device), so they are listed together, each with
 * the kind of its device, stored with the row (so it stays known after the device is removed).
 */
export async function describeDeviceDeliveries(store: Store, message: MessageRecord) {
	return (await store.listDeliveries(message.id)).map(presentDelivery);
}

export function presentDelivery(d: DeviceDelivery) {
	return {
		device_id: d.deviceId,
		device_kind: d.kind,
		state: d.state,
		reason: d.reason,
		apns_id: d.apnsId,
		attempts: d.attempts,
		next_attempt_at: d.nextAttemptAt === null ? null : iso(d.nextAttemptAt),
		updated_at: iso(d.updatedAt),
	};
}

/**
 * The rows a push job works on, for APNs and Web Push alike: those of its own `kind` only (each
 * kind's job settles its own rows, a removed device's too). A first run (`attempts` 0) has none
 * stored: every device starts `queued` in memory and its row is written once, with its first
 * outcome (one write per device instead of three: a fan-out to 1,000 devices is I/O-bound on
 * SQLite otherwise). Later runs (retries, or after a crash) read what earlier runs stored and
 * add rows for devices that have none.
 */
export async function deliveryRowsFor(
	store: Store,
	now: number,
	attempts: number,
	messageId: string,
	kind: DeviceKind,
	deviceIds: string[],
): Promise<DeviceDelivery[]> {
	// `attempts` counts earlier claims of the job in both queues (SQLite table and BullMQ), so
	// 0 really means "never ran": a crashed or retried run always comes back with 1 or more.
	if (attempts === 0) {
		return deviceIds.map((deviceId) => queuedDelivery(messageId, deviceId, kind, now));
	}
	await store.addDeliveries(messageId, kind, deviceIds, now);
	return store.listDeliveries(messageId, kind);
}

/**
 * What a push job starts from, for APNs and Web Push alike: the message and every device of its
 * channel's account (each delivery picks its own kind). Null when the message or its channel
 * is gone.
 */
export async function messageAndDevices(
	store: Store,
	messageId: string,
): Promise<{ message: MessageRecord; devices: Device[] } | null> {
	const message = await store.getMessage(messageId);
	if (!message) return null;
	const channel = await store.getChannel(message.channelId);
	if (!channel) return null;
	return { message, devices: await store.listDevices(channel.accountId) };
}

/** A push job's rows sorted out before any push (see `triageRows`). */
export interface RowTriage<D> {
	/** Rows to push now, each with its device. */
	pending: Array<{ row: DeviceDelivery; device: D }>;
	/** Rows that failed without a push, to be saved. */
	updates: DeviceDelivery[];
	/** The earliest retry still waiting, null when none is. */
	nextRun: number | null;
}

/**
 * Sorts a push job's rows, for APNs and Web Push alike: rows already `sent` or `failed` are left
 * alone; a row `check` fails (its device removed, the message expired…) becomes `failed` now with
 * that reason, counted in `failed`; a row waiting for a later retry sets when the job comes back;
 * the rest are pushed now, to the device `check` gives.
 */
export function triageRows<D>(
	rows: DeviceDelivery[],
	now: number,
	failed: Counter,
	check: (row: DeviceDelivery) => { fail: string } | { device: D },
): RowTriage<D> {
	const triage: RowTriage<D> = { pending: [], updates: [], nextRun: null };
	for (const row of rows) {
		if (row.state === 'sent' || row.state === 'failed') continue;
		const checked = check(row);
		if ('fail' in checked) {
			const reason = checked.fail;
			triage.updates.push({ ...row, state: 'failed', reason, nextAttemptAt: null, updatedAt: now });
			failed.inc({ reason });
		} else if (row.nextAttemptAt !== null && row.nextAttemptAt > now) {
			triage.nextRun = Math.min(triage.nextRun ?? Infinity, row.nextAttemptAt);
		} else {
			triage.pending.push({ row, device: checked.device });
		}
	}
	return triage;
}

/**
 * Runs `work` over `items`, `width` at once: a pool of workers as wide as a sender's window, not
 * one pending push per device (enough to keep the window full, and far fewer live promises for
 * the GC to carry).
 */
export async function inPool<T>(
	items: T[],
	width: number,
	work: (item: T) => Promise<void>,
): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < items.length) await work(items[next++]);
	};
	await Promise.all(Array.from({ length: Math.min(items.length, width) }, worker));
}
