import { iso } from '../domain/message';
import { DeviceDelivery, DeviceKind, MessageRecord } from '../domain/types';
import { Store } from '../store/store';

/**
 * The per-device delivery rows of `GET /v1/messages/{id}`. APNs and Web Push keep their rows in
 * the same store table (one per message and device), so they are listed together, each with
 * its device's kind (null once the device was removed).
 */
export async function describeDeviceDeliveries(store: Store, message: MessageRecord) {
	const rows = await store.listDeliveries(message.id);
	if (rows.length === 0) return [];
	const channel = await store.getChannel(message.channelId);
	const devices = channel ? await store.listDevices(channel.accountId) : [];
	const kinds = new Map(devices.map((d) => [d.id, d.kind]));
	return rows.map((row) => presentDelivery(row, kinds.get(row.deviceId) ?? null));
}

export function presentDelivery(d: DeviceDelivery, kind: DeviceKind | null) {
	return {
		device_id: d.deviceId,
		device_kind: kind,
		state: d.state,
		reason: d.reason,
		apns_id: d.apnsId,
		attempts: d.attempts,
		next_attempt_at: d.nextAttemptAt === null ? null : iso(d.nextAttemptAt),
		updated_at: iso(d.updatedAt),
	};
}
