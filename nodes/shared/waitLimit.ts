import type { IDataObject, INode, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, WAIT_INDEFINITELY } from 'n8n-workflow';

/** "Limit Wait Time", laid out like n8n's own send-and-wait nodes. */
export const limitWaitTimeOption: INodeProperties = {
	displayName: 'Limit Wait Time',
	name: 'limitWaitTime',
	type: 'fixedCollection',
	description:
		'Whether to stop waiting after a while. The limit is also sent to Ping as the message expiry, so a late tap is refused.',
	default: { values: { limitType: 'afterTimeInterval', resumeAmount: 45, resumeUnit: 'minutes' } },
	options: [
		{
			displayName: 'Values',
			name: 'values',
			values: [
				{
					displayName: 'Limit Type',
					name: 'limitType',
					type: 'options',
					default: 'afterTimeInterval',
					options: [
						{
							name: 'After Time Interval',
							value: 'afterTimeInterval',
							description: 'Waits for a certain amount of time',
						},
						{
							name: 'At Specified Time',
							value: 'atSpecifiedTime',
							description: 'Waits until a date and time',
						},
					],
				},
				{
					displayName: 'Amount',
					name: 'resumeAmount',
					type: 'number',
					default: 45,
					typeOptions: { minValue: 0, numberPrecision: 2 },
					displayOptions: { show: { limitType: ['afterTimeInterval'] } },
				},
				{
					displayName: 'Unit',
					name: 'resumeUnit',
					type: 'options',
					default: 'minutes',
					options: [
						{ name: 'Seconds', value: 'seconds' },
						{ name: 'Minutes', value: 'minutes' },
						{ name: 'Hours', value: 'hours' },
						{ name: 'Days', value: 'days' },
					],
					displayOptions: { show: { limitType: ['afterTimeInterval'] } },
				},
				{
					displayName: 'Max Date and Time',
					name: 'maxDateAndTime',
					type: 'dateTime',
					default: '',
					displayOptions: { show: { limitType: ['atSpecifiedTime'] } },
				},
			],
		},
	],
};

const UNIT_MS: Record<string, number> = {
	seconds: 1000,
	minutes: 60_000,
	hours: 3_600_000,
	days: 86_400_000,
};

/** When to stop waiting: `WAIT_INDEFINITELY` without a limit. */
export function waitTillFromLimit(
	node: INode,
	limit: IDataObject | undefined,
	nowMs: number = Date.now(),
): Date {
	if (!limit || Object.keys(limit).length === 0) return WAIT_INDEFINITELY;
	let waitTill: Date;
	if ((limit.limitType ?? 'afterTimeInterval') === 'afterTimeInterval') {
		const amount = Number(limit.resumeAmount ?? 0);
		const unit = UNIT_MS[String(limit.resumeUnit ?? 'minutes')];
		if (!Number.isFinite(amount) || amount < 0 || unit === undefined) {
			throw new NodeOperationError(
				node,
				'Limit Wait Time: the amount must be a number of seconds, minutes, hours or days',
			);
		}
		waitTill = new Date(nowMs + amount * unit);
	} else {
		waitTill = new Date(String(limit.maxDateAndTime ?? ''));
	}
	if (Number.isNaN(waitTill.getTime())) {
		throw new NodeOperationError(node, 'Limit Wait Time: Max Date and Time is not a valid date');
	}
	return waitTill;
}

/** The message expiry matching the wait limit, in whole seconds (at least 1); none without a limit. */
export function expiresInFor(waitTill: Date, nowMs: number = Date.now()): number | undefined {
	if (waitTill.getTime() === WAIT_INDEFINITELY.getTime()) return undefined;
	return Math.max(1, Math.ceil((waitTill.getTime() - nowMs) / 1000));
}

/**
 * How long after the message's expiry n8n's own wait limit resumes the execution: Ping's signed
 * expiry event comes first; this backstop covers a server that does not send it.
 */
export const BACKSTOP_MS = 60_000;

/** n8n's wait limit for a message that expires at `waitTill`. */
export function backstopFor(waitTill: Date): Date {
	if (waitTill.getTime() === WAIT_INDEFINITELY.getTime()) return waitTill;
	return new Date(waitTill.getTime() + BACKSTOP_MS);
}
