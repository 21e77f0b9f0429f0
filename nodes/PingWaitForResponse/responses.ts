import type { IDataObject, INodeExecutionData } from 'n8n-workflow';
import { actionsFromFields, actionsFromJson } from '../shared/actionsBuilder';
import { parseActions } from '../shared/actions';
import { InvalidMessageError } from '../shared/fields';
import type { Action, ButtonStyle, CallbackBody } from '../shared/types';

export type ResponseType = 'approval' | 'freeText' | 'customForm' | 'customButtons';

/** Reads a node parameter the same way in `execute()` (item 0) and in `webhook()`. */
export type ParameterReader = (name: string, fallback: unknown) => unknown;

export const APPROVE_KEY = 'approve';
export const DECLINE_KEY = 'decline';
/** The form field that carries a free-text answer. */
export const TEXT_KEY = 'text';
/** Fields of `data` the node sets itself; a custom form field may not take these keys. */
export const RESERVED_KEYS = [
	'approved',
	'text',
	'triggered_by',
	'responses',
	'message_id',
	'channel_id',
	'respondedAt',
	'timedOut',
];

/** What the node needs to know, at send time and when the answer comes back. */
export interface ResponseConfig {
	responseType: ResponseType;
	/** Approve only, or approve and decline. */
	double: boolean;
	/** Button keys in output order, when each button has its own output. */
	routes: string[] | null;
	/** Routes add a last output for a wait that timed out (polling, or a wait limit). */
	timeoutOutput: boolean;
}

export function readResponseConfig(param: ParameterReader): ResponseConfig {
	const responseType = param('responseType', 'approval') as ResponseType;
	const approval = (param('approvalOptions.values', {}) ?? {}) as IDataObject;
	const double = (approval.approvalType ?? 'double') === 'double';
	const routeByButton = param('options.routeByButton', false) === true;
	let routes: string[] | null = null;
	if (routeByButton && responseType === 'approval' && double) routes = [APPROVE_KEY, DECLINE_KEY];
	if (routeByButton && responseType === 'customButtons') {
		routes = customButtons(param).map((button, i) => button.key ?? `button_${i}`);
	}
	const limited = Object.keys((param('options.limitWaitTime', {}) ?? {}) as IDataObject).length > 0;
	const timeoutOutput = routes !== null && (param('delivery', 'callback') === 'polling' || limited);
	return { responseType, double, routes, timeoutOutput };
}

function customButtons(param: ParameterReader): Array<Action & { type: 'button' }> {
	const ui = (param('buttons', {}) ?? {}) as { button?: IDataObject[] };
	return (ui.button ?? []).map((entry) => {
		const button: Action & { type: 'button' } = {
			type: 'button',
			label: String(entry.label ?? '').trim(),
		};
		const key = String(entry.key ?? '').trim();
		if (key !== '') button.key = key;
		if (entry.style) button.style = entry.style as ButtonStyle;
		return button;
	});
}

/** The Ping actions that ask for this kind of response (`docs/api.md#actions`), validated. */
export function actionsForResponse(param: ParameterReader): Action[] {
	const config = readResponseConfig(param);
	switch (config.responseType) {
		case 'approval': {
			const values = (param('approvalOptions.values', {}) ?? {}) as IDataObject;
			const actions: Action[] = [
				{
					type: 'button',
					label: String(values.approveLabel || 'Approve'),
					key: APPROVE_KEY,
					style: (values.approveStyle || 'primary') as ButtonStyle,
				},
			];
			if (config.double) {
				actions.push({
					type: 'button',
					label: String(values.declineLabel || 'Decline'),
					key: DECLINE_KEY,
					style: (values.declineStyle || 'destructive') as ButtonStyle,
				});
			}
			return parseActions(actions);
		}
		case 'freeText': {
			const values = (param('freeTextOptions.values', {}) ?? {}) as IDataObject;
			const field: IDataObject = {
				type: 'text',
				label: String(values.label || 'Your answer'),
				key: TEXT_KEY,
				multiline: values.multiline !== false,
			};
			if (values.placeholder) field.placeholder = String(values.placeholder);
			if (values.maxLength) field.max_length = Number(values.maxLength);
			return parseActions([field]);
		}
		case 'customForm': {
			const defineForm = param('defineForm', 'fields') as string;
			const raw =
				defineForm === 'json'
					? actionsFromJson(param('formJson', '[]'))
					: actionsFromFields(
							((param('formFields', {}) ?? {}) as { field?: IDataObject[] }).field ?? [],
						);
			const actions = parseActions(raw);
			actions.forEach((action, i) => {
				if (action.type === 'url' || action.type === 'button') {
					throw new InvalidMessageError(
						`actions[${i}].type`,
						`actions[${i}].type must be a form field (select, text, number or toggle) in a custom form`,
					);
				}
				if (RESERVED_KEYS.includes(action.key)) {
					throw new InvalidMessageError(
						`actions[${i}].key`,
						`actions[${i}].key "${action.key}" is reserved for the node's output; choose another key`,
					);
				}
			});
			if (actions.length === 0)
				throw new InvalidMessageError('actions', 'a custom form needs at least one field');
			return actions;
		}
		case 'customButtons': {
			const buttons = customButtons(param);
			if (buttons.length === 0)
				throw new InvalidMessageError('actions', 'custom buttons need at least one button');
			return parseActions(buttons);
		}
		default:
			throw new InvalidMessageError(
				'responseType',
				`responseType "${String(config.responseType)}" is not one of approval, freeText, customForm, customButtons`,
			);
	}
}

/**
 * One output item for an answer: `{ data: { approved?, text?, <form keys>…, triggered_by,
 * responses, message_id, channel_id, respondedAt } }`. `approved` is a boolean for approval
 * responses, which is what n8n 2.x's human-review tool for AI agents reads.
 */
export function answerData(config: ResponseConfig, answer: CallbackBody): IDataObject {
	const responses = (answer.responses ?? {}) as IDataObject;
	const data: IDataObject = {};
	if (config.responseType === 'approval') data.approved = answer.triggered_by === APPROVE_KEY;
	if (config.responseType === 'freeText')
		data.text = typeof responses[TEXT_KEY] === 'string' ? responses[TEXT_KEY] : '';
	if (config.responseType === 'customForm') Object.assign(data, responses);
	data.triggered_by = answer.triggered_by;
	data.responses = responses;
	data.message_id = answer.message_id;
	data.channel_id = answer.channel_id;
	data.respondedAt = answer.timestamp;
	return data;
}

/**
 * Why nobody's answer came: `expired` (Ping said the message expired), `limit` (the node's own
 * wait limit passed first).
 */
export type TimeoutReason = 'expired' | 'limit';

/**
 * What the node outputs when nobody answered in time, in both deliveries. Never the input: an
 * input that already carries `data.approved: true` would read as an approval.
 */
export function timeoutData(
	config: ResponseConfig,
	message: { id: string; channel_id?: unknown },
	reason: TimeoutReason,
): IDataObject {
	const data: IDataObject = { timedOut: true, reason };
	if (config.responseType === 'approval') data.approved = false;
	data.message_id = message.id;
	if (typeof message.channel_id === 'string') data.channel_id = message.channel_id;
	return data;
}

/** Places the item on the output of the tapped button, or on the single output. */
export function routeItem(
	config: ResponseConfig,
	item: INodeExecutionData,
	triggeredBy: string | null,
): INodeExecutionData[][] {
	if (!config.routes) return [[item]];
	const outputs: INodeExecutionData[][] = outputNames(config).map(() => []);
	if (triggeredBy === null) {
		outputs[outputs.length - 1].push(item);
		return outputs;
	}
	const index = config.routes.indexOf(triggeredBy);
	// Ping only accepts taps on the message's own buttons, so the index is found; the first
	// output is a safe place should a server ever report another key.
	outputs[index >= 0 ? index : 0].push(item);
	return outputs;
}

/** Output names for routed buttons (mirrors `configuredOutputs` in the node description). */
export function outputNames(config: ResponseConfig): string[] {
	if (!config.routes) return ['Response'];
	const names = [...config.routes];
	if (config.timeoutOutput) names.push('Timed Out');
	return names;
}
