import { badRequest } from './errors';
import {
	JsonObject,
	charLength,
	httpUrl,
	isObject,
	optionalBoolean,
	optionalEnum,
	optionalInteger,
	optionalNumber,
	optionalString,
	requiredString,
} from './fields';
import { Action, BUTTON_STYLES, FormAction, ResponseValue, SelectOption } from './types';

/**
 * The limits of `docs/api.md#actions`. The nodes' `nodes/shared/actions.ts` is this file's
 * twin (the nodes may not import the server): same names, same checks in the same order, same
 * messages, kept identical by the shared corpus in `test/twins/actions-corpus.ts`.
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
/** `triggered_by` of a form answered with the built-in submit (form fields, no button). */
export const SUBMIT_KEY = 'submit';

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
	if (RESERVED_KEYS.includes(key)) throw badRequest(`${field}.key "${key}" is reserved`);
	return key;
}

function requiredKey(obj: JsonObject, field: string): string {
	return checkKey(requiredString(obj, 'key', `${field}.key`, KEY_MAX), field);
}

function parseOptions(raw: unknown, field: string): SelectOption[] {
	if (!Array.isArray(raw)) throw badRequest(`${field} must be an array of {label, value}`);
	if (raw.length < 1 || raw.length > MAX_SELECT_OPTIONS) {
		throw badRequest(`${field} must have between 1 and ${MAX_SELECT_OPTIONS} options`);
	}
	const seen = new Set<string>();
	return raw.map((option, i) => {
		const at = `${field}[${i}]`;
		if (!isObject(option)) throw badRequest(`${at} must be an object with label and value`);
		const label = requiredString(option, 'label', `${at}.label`, OPTION_LABEL_MAX);
		const value = requiredString(option, 'value', `${at}.value`, OPTION_VALUE_MAX);
		if (seen.has(value)) throw badRequest(`${at}.value "${value}" is used by another option`);
		seen.add(value);
		return { label, value };
	});
}

function parseAction(raw: unknown, field: string): Action {
	if (!isObject(raw)) throw badRequest(`${field} must be an object`);
	const type = optionalEnum(raw, 'type', `${field}.type`, ACTION_TYPES);
	if (type === undefined)
		throw badRequest(`${field}.type is required (one of: ${ACTION_TYPES.join(', ')})`);
	const label = requiredString(raw, 'label', `${field}.label`, ACTION_LABEL_MAX);
	switch (type) {
		case 'url': {
			const value = requiredString(raw, 'value', `${field}.value`, URL_MAX);
			return { type, label, value: httpUrl(value, `${field}.value`) };
		}
		case 'button': {
			const key = optionalString(raw, 'key', `${field}.key`, KEY_MAX);
			if (key !== undefined && key.trim() === '')
				throw badRequest(`${field}.key must not be empty`);
			if (key !== undefined) checkKey(key, field);
			const style = optionalEnum(raw, 'style', `${field}.style`, BUTTON_STYLES) ?? 'secondary';
			return key === undefined ? { type, label, style } : { type, label, key, style };
		}
		case 'select': {
			const key = requiredKey(raw, field);
			const options = parseOptions(raw.options, `${field}.options`);
			const value = optionalString(raw, 'value', `${field}.value`, OPTION_VALUE_MAX);
			if (value !== undefined && !options.some((o) => o.value === value)) {
				throw badRequest(`${field}.value must be the value of one of its options`);
			}
			return value === undefined
				? { type, label, key, options }
				: { type, label, key, options, value };
		}
		case 'text': {
			const key = requiredKey(raw, field);
			const maxLength =
				optionalInteger(raw, 'max_length', `${field}.max_length`, 1, TEXT_MAX_LENGTH) ??
				TEXT_MAX_LENGTH;
			const placeholder = optionalString(
				raw,
				'placeholder',
				`${field}.placeholder`,
				PLACEHOLDER_MAX,
			);
			const value = optionalString(raw, 'value', `${field}.value`, maxLength);
			const multiline = optionalBoolean(raw, 'multiline', `${field}.multiline`) ?? false;
			return { type, label, key, placeholder, value, multiline, max_length: maxLength };
		}
		case 'number': {
			const key = requiredKey(raw, field);
			const min = optionalNumber(raw, 'min', `${field}.min`);
			const max = optionalNumber(raw, 'max', `${field}.max`);
			const step = optionalNumber(raw, 'step', `${field}.step`);
			const value = optionalNumber(raw, 'value', `${field}.value`);
			if (min !== undefined && max !== undefined && min > max) {
				throw badRequest(`${field}.min must not be greater than ${field}.max`);
			}
			if (step !== undefined && step <= 0) throw badRequest(`${field}.step must be greater than 0`);
			if (value !== undefined) checkNumberBounds(value, min, max, `${field}.value`);
			return { type, label, key, min, max, step, value };
		}
		case 'toggle': {
			const key = requiredKey(raw, field);
			const value = optionalBoolean(raw, 'value', `${field}.value`);
			return { type, label, key, value };
		}
	}
}

function checkNumberBounds(
	value: number,
	min: number | undefined,
	max: number | undefined,
	field: string,
): void {
	if (min !== undefined && value < min) throw badRequest(`${field} must be at least ${min}`);
	if (max !== undefined && value > max) throw badRequest(`${field} must be at most ${max}`);
}

/** Validates the `actions` of a send request; throws a 400 naming the first bad field. */
export function parseActions(raw: unknown): Action[] {
	if (raw === undefined || raw === null) return [];
	if (!Array.isArray(raw)) throw badRequest('actions must be an array');
	if (raw.length > MAX_ACTIONS) throw badRequest(`actions must have at most ${MAX_ACTIONS} items`);
	const actions = raw.map((item, i) => parseAction(item, `actions[${i}]`));
	const seen = new Set<string>();
	actions.forEach((action, i) => {
		const key =
			action.type === 'url' ? null : action.type === 'button' ? buttonKey(action, i) : action.key;
		if (key === null) return;
		if (seen.has(key)) throw badRequest(`actions[${i}].key "${key}" is used by another action`);
		seen.add(key);
	});
	return actions;
}

/** The keys that may stand in `triggered_by` for a message with these actions. */
export function triggerKeys(actions: Action[]): string[] {
	const buttons = actions.map(buttonKey).filter((k): k is string => k !== null);
	if (buttons.length > 0) return buttons;
	return actions.some(isFormAction) ? [SUBMIT_KEY] : [];
}

/** One form field's answer value, checked against the field (a 400 whose message starts with `at`). */
export function parseResponseValue(field: FormAction, value: unknown, at: string): ResponseValue {
	switch (field.type) {
		case 'select':
			if (typeof value !== 'string' || !field.options.some((o) => o.value === value)) {
				throw badRequest(`${at} must be one of: ${field.options.map((o) => o.value).join(', ')}`);
			}
			return value;
		case 'text':
			if (typeof value !== 'string') throw badRequest(`${at} must be a string`);
			if (charLength(value) > field.max_length) {
				throw badRequest(`${at} must be at most ${field.max_length} characters`);
			}
			return value;
		case 'number':
			if (typeof value !== 'number' || !Number.isFinite(value))
				throw badRequest(`${at} must be a finite number`);
			checkNumberBounds(value, field.min, field.max, at);
			return value;
		case 'toggle':
			if (typeof value !== 'boolean') throw badRequest(`${at} must be true or false`);
			return value;
	}
}

/** Validates an answer against the message's actions; throws a 400 naming the field. */
export function parseAnswerInput(
	actions: Action[],
	triggeredBy: unknown,
	responses: unknown,
): { triggeredBy: string; responses: Record<string, ResponseValue> } {
	const allowed = triggerKeys(actions);
	if (allowed.length === 0)
		throw badRequest('this message has no buttons or form fields to answer');
	if (typeof triggeredBy !== 'string' || !allowed.includes(triggeredBy)) {
		throw badRequest(`triggered_by must be one of: ${allowed.join(', ')}`);
	}
	if (responses !== undefined && responses !== null && !isObject(responses)) {
		throw badRequest('responses must be an object keyed by form field key');
	}
	const fields = new Map(actions.filter(isFormAction).map((a) => [a.key, a]));
	// No prototype: whatever the key, it is an own entry that reaches the callback.
	const parsed: Record<string, ResponseValue> = Object.create(null);
	for (const [key, value] of Object.entries(responses ?? {})) {
		const field = fields.get(key);
		if (!field) throw badRequest(`responses.${key} is not a form field of this message`);
		parsed[key] = parseResponseValue(field, value, `responses.${key}`);
	}
	return { triggeredBy, responses: parsed };
}
