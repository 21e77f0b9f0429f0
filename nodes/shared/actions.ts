import {
	badRequest,
	httpUrl,
	isObject,
	optionalBoolean,
	optionalEnum,
	optionalInteger,
	optionalNumber,
	optionalString,
	requiredString,
} from './fields';
import type { JsonObject } from './fields';
import type { Action, FormAction, SelectOption } from './types';
import { BUTTON_STYLES } from './types';

/**
 * The limits of `docs/api.md#actions`, checked before sending so the item fails with a message
 * naming the field. Twin of the server's `domain/actions.ts` (the nodes may not import the
 * server): same names, same checks in the same order, same messages, kept identical by the
 * shared corpus in `test/twins/actions-corpus.ts`. One difference on purpose: the server
 * stores actions with its defaults filled in; the node sends only what was given.
 */
export const MAX_ACTIONS = 5;
export const MAX_SELECT_OPTIONS = 10;
export const TEXT_MAX_LENGTH = 1000;
export const ACTION_LABEL_MAX = 30;
export const KEY_MAX = 50;
export const URL_MAX = 500;
export const OPTION_LABEL_MAX = 50;
export const OPTION_VALUE_MAX = 100;
export const PLACEHOLDER_MAX = 100;

const FORM_TYPES = ['select', 'text', 'number', 'toggle'] as const;
const ACTION_TYPES = ['url', 'button', ...FORM_TYPES] as const;

export function isFormAction(action: Action): action is FormAction {
	return (FORM_TYPES as readonly string[]).includes(action.type);
}

/** The key a tap on this button reports: its own key, or `button_<index in actions>`. */
export function buttonKey(action: Action, index: number): string | null {
	if (action.type !== 'button') return null;
	return action.key ?? `button_${index}`;
}

/**
 * Keys that name JavaScript's object machinery: an answer keyed so could vanish into a
 * prototype on the way to the callback, so no action may use one.
 */
export const RESERVED_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

function checkKey(key: string, field: string): string {
	if (RESERVED_KEYS.includes(key)) throw badRequest(`${field}.key`, `"${key}" is reserved`);
	return key;
}

function requiredKey(obj: JsonObject, field: string): string {
	return checkKey(requiredString(obj, 'key', `${field}.key`, KEY_MAX), field);
}

/** Copies the optional fields that were given, so the request carries nothing else. */
function given<T extends object>(action: T, optional: Record<string, unknown>): T {
	for (const [name, value] of Object.entries(optional)) {
		if (value !== undefined) (action as Record<string, unknown>)[name] = value;
	}
	return action;
}

function parseOptions(raw: unknown, field: string): SelectOption[] {
	if (!Array.isArray(raw)) throw badRequest(field, 'must be an array of {label, value}');
	if (raw.length < 1 || raw.length > MAX_SELECT_OPTIONS) {
		throw badRequest(field, `must have between 1 and ${MAX_SELECT_OPTIONS} options`);
	}
	const seen = new Set<string>();
	return raw.map((option, i) => {
		const at = `${field}[${i}]`;
		if (!isObject(option)) throw badRequest(at, 'must be an object with label and value');
		const label = requiredString(option, 'label', `${at}.label`, OPTION_LABEL_MAX);
		const value = requiredString(option, 'value', `${at}.value`, OPTION_VALUE_MAX);
		if (seen.has(value)) throw badRequest(`${at}.value`, `"${value}" is used by another option`);
		seen.add(value);
		return { label, value };
	});
}

function parseAction(raw: unknown, field: string): Action {
	if (!isObject(raw)) throw badRequest(field, 'must be an object');
	const type = optionalEnum(raw, 'type', `${field}.type`, ACTION_TYPES);
	if (type === undefined)
		throw badRequest(`${field}.type`, `is required (one of: ${ACTION_TYPES.join(', ')})`);
	const label = requiredString(raw, 'label', `${field}.label`, ACTION_LABEL_MAX);
	switch (type) {
		case 'url': {
			const value = requiredString(raw, 'value', `${field}.value`, URL_MAX);
			return { type, label, value: httpUrl(value, `${field}.value`) };
		}
		case 'button': {
			const key = optionalString(raw, 'key', `${field}.key`, KEY_MAX);
			if (key !== undefined && key.trim() === '')
				throw badRequest(`${field}.key`, 'must not be empty');
			if (key !== undefined) checkKey(key, field);
			const style = optionalEnum(raw, 'style', `${field}.style`, BUTTON_STYLES);
			return given({ type, label }, { key, style });
		}
		case 'select': {
			const key = requiredKey(raw, field);
			const options = parseOptions(raw.options, `${field}.options`);
			const value = optionalString(raw, 'value', `${field}.value`, OPTION_VALUE_MAX);
			if (value !== undefined && !options.some((o) => o.value === value)) {
				throw badRequest(`${field}.value`, 'must be the value of one of its options');
			}
			return given({ type, label, key, options }, { value });
		}
		case 'text': {
			const key = requiredKey(raw, field);
			const maxLength = optionalInteger(
				raw,
				'max_length',
				`${field}.max_length`,
				1,
				TEXT_MAX_LENGTH,
			);
			const placeholder = optionalString(
				raw,
				'placeholder',
				`${field}.placeholder`,
				PLACEHOLDER_MAX,
			);
			const value = optionalString(raw, 'value', `${field}.value`, maxLength ?? TEXT_MAX_LENGTH);
			const multiline = optionalBoolean(raw, 'multiline', `${field}.multiline`);
			return given({ type, label, key }, { placeholder, value, multiline, max_length: maxLength });
		}
		case 'number': {
			const key = requiredKey(raw, field);
			const min = optionalNumber(raw, 'min', `${field}.min`);
			const max = optionalNumber(raw, 'max', `${field}.max`);
			const step = optionalNumber(raw, 'step', `${field}.step`);
			const value = optionalNumber(raw, 'value', `${field}.value`);
			if (min !== undefined && max !== undefined && min > max) {
				throw badRequest(`${field}.min`, `must not be greater than ${field}.max`);
			}
			if (step !== undefined && step <= 0)
				throw badRequest(`${field}.step`, 'must be greater than 0');
			if (value !== undefined) checkNumberBounds(value, min, max, `${field}.value`);
			return given({ type, label, key }, { min, max, step, value });
		}
		case 'toggle': {
			const key = requiredKey(raw, field);
			const value = optionalBoolean(raw, 'value', `${field}.value`);
			return given({ type, label, key }, { value });
		}
	}
}

function checkNumberBounds(
	value: number,
	min: number | undefined,
	max: number | undefined,
	field: string,
): void {
	if (min !== undefined && value < min) throw badRequest(field, `must be at least ${min}`);
	if (max !== undefined && value > max) throw badRequest(field, `must be at most ${max}`);
}

/** Validates the `actions` of a send request; throws `InvalidMessageError` naming the first bad field. */
export function parseActions(raw: unknown): Action[] {
	if (raw === undefined || raw === null) return [];
	if (!Array.isArray(raw)) throw badRequest('actions', 'must be an array');
	if (raw.length > MAX_ACTIONS)
		throw badRequest('actions', `must have at most ${MAX_ACTIONS} items`);
	const actions = raw.map((item, i) => parseAction(item, `actions[${i}]`));
	const seen = new Set<string>();
	actions.forEach((action, i) => {
		const key =
			action.type === 'url' ? null : action.type === 'button' ? buttonKey(action, i) : action.key;
		if (key === null) return;
		if (seen.has(key)) throw badRequest(`actions[${i}].key`, `"${key}" is used by another action`);
		seen.add(key);
	});
	return actions;
}
