import type {
	ButtonStyle,
	FormAction,
	PingAction,
	Priority,
	SelectOption,
	SendRequest,
} from './types';

/** SPEC §3 and §4 limits, checked before sending so the item fails with a message naming the field. */
export const TITLE_MAX = 100;
export const BODY_MAX = 10_000;
export const MAX_ACTIONS = 5;
export const LABEL_MAX = 30;
export const KEY_MAX = 50;
export const URL_MAX = 500;
export const MAX_SELECT_OPTIONS = 10;
export const OPTION_LABEL_MAX = 50;
export const OPTION_VALUE_MAX = 100;
export const TEXT_MAX_LENGTH = 1000;
export const PLACEHOLDER_MAX = 100;

export const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high'];
export const BUTTON_STYLES: readonly ButtonStyle[] = ['primary', 'secondary', 'destructive'];
const ACTION_TYPES = ['url', 'button', 'select', 'text', 'number', 'toggle'] as const;
const FORM_TYPES = ['select', 'text', 'number', 'toggle'];

/** A value the server would refuse; `field` is the request path, e.g. `actions[1].label`. */
export class InvalidMessageError extends Error {
	constructor(
		readonly field: string,
		message: string,
	) {
		super(message);
		this.name = 'InvalidMessageError';
	}
}

function fail(field: string, message: string): never {
	throw new InvalidMessageError(field, `${field} ${message}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Characters as a person counts them (code points), as the server does. */
function charLength(value: string): number {
	return [...value].length;
}

function requiredString(obj: Record<string, unknown>, name: string, field: string, max: number): string {
	const value = obj[name];
	if (typeof value !== 'string' || value.trim() === '') fail(field, 'is required');
	if (charLength(value) > max) fail(field, `must be at most ${max} characters (it has ${charLength(value)})`);
	return value;
}

function optionalString(obj: Record<string, unknown>, name: string, field: string, max: number): string | undefined {
	const value = obj[name];
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value !== 'string') fail(field, 'must be text');
	if (charLength(value) > max) fail(field, `must be at most ${max} characters (it has ${charLength(value)})`);
	return value;
}

function optionalNumber(obj: Record<string, unknown>, name: string, field: string): number | undefined {
	const value = obj[name];
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, 'must be a finite number');
	return value;
}

function optionalBoolean(obj: Record<string, unknown>, name: string, field: string): boolean | undefined {
	const value = obj[name];
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'boolean') fail(field, 'must be true or false');
	return value;
}

export function httpUrl(value: string, field: string): string {
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		fail(field, `must be a valid http(s) URL (got "${value}")`);
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(field, `must be an http(s) URL (got "${value}")`);
	return value;
}

function parseOptions(raw: unknown, field: string): SelectOption[] {
	if (!Array.isArray(raw)) fail(field, 'must be a list of {label, value}');
	if (raw.length < 1 || raw.length > MAX_SELECT_OPTIONS) {
		fail(field, `must have between 1 and ${MAX_SELECT_OPTIONS} options (it has ${raw.length})`);
	}
	const seen = new Set<string>();
	return raw.map((option, i) => {
		const at = `${field}[${i}]`;
		if (!isObject(option)) fail(at, 'must be an object with label and value');
		const label = requiredString(option, 'label', `${at}.label`, OPTION_LABEL_MAX);
		const value = requiredString(option, 'value', `${at}.value`, OPTION_VALUE_MAX);
		if (seen.has(value)) fail(`${at}.value`, `"${value}" is used by another option`);
		seen.add(value);
		return { label, value };
	});
}

function parseAction(raw: unknown, field: string): PingAction {
	if (!isObject(raw)) fail(field, 'must be an object');
	const type = raw.type;
	if (typeof type !== 'string' || !(ACTION_TYPES as readonly string[]).includes(type)) {
		fail(`${field}.type`, `must be one of: ${ACTION_TYPES.join(', ')}`);
	}
	const label = requiredString(raw, 'label', `${field}.label`, LABEL_MAX);
	const key = () => requiredString(raw, 'key', `${field}.key`, KEY_MAX);
	switch (type as (typeof ACTION_TYPES)[number]) {
		case 'url': {
			const value = requiredString(raw, 'value', `${field}.value`, URL_MAX);
			return { type: 'url', label, value: httpUrl(value, `${field}.value`) };
		}
		case 'button': {
			const buttonKey = optionalString(raw, 'key', `${field}.key`, KEY_MAX);
			const style = raw.style;
			if (style !== undefined && style !== '' && !BUTTON_STYLES.includes(style as ButtonStyle)) {
				fail(`${field}.style`, `must be one of: ${BUTTON_STYLES.join(', ')}`);
			}
			const action: PingAction = { type: 'button', label };
			if (buttonKey !== undefined) action.key = buttonKey;
			if (style) action.style = style as ButtonStyle;
			return action;
		}
		case 'select': {
			const action: PingAction = { type: 'select', label, key: key(), options: parseOptions(raw.options, `${field}.options`) };
			const value = optionalString(raw, 'value', `${field}.value`, OPTION_VALUE_MAX);
			if (value !== undefined) {
				if (!action.options.some((o) => o.value === value)) fail(`${field}.value`, 'must be the value of one of its options');
				action.value = value;
			}
			return action;
		}
		case 'text': {
			const action: PingAction = { type: 'text', label, key: key() };
			const maxLength = optionalNumber(raw, 'max_length', `${field}.max_length`);
			if (maxLength !== undefined) {
				if (!Number.isInteger(maxLength) || maxLength < 1 || maxLength > TEXT_MAX_LENGTH) {
					fail(`${field}.max_length`, `must be a whole number from 1 to ${TEXT_MAX_LENGTH}`);
				}
				action.max_length = maxLength;
			}
			const placeholder = optionalString(raw, 'placeholder', `${field}.placeholder`, PLACEHOLDER_MAX);
			if (placeholder !== undefined) action.placeholder = placeholder;
			const value = optionalString(raw, 'value', `${field}.value`, maxLength ?? TEXT_MAX_LENGTH);
			if (value !== undefined) action.value = value;
			const multiline = optionalBoolean(raw, 'multiline', `${field}.multiline`);
			if (multiline !== undefined) action.multiline = multiline;
			return action;
		}
		case 'number': {
			const action: PingAction = { type: 'number', label, key: key() };
			const min = optionalNumber(raw, 'min', `${field}.min`);
			const max = optionalNumber(raw, 'max', `${field}.max`);
			const step = optionalNumber(raw, 'step', `${field}.step`);
			const value = optionalNumber(raw, 'value', `${field}.value`);
			if (min !== undefined && max !== undefined && min > max) fail(`${field}.min`, `must not be greater than ${field}.max`);
			if (step !== undefined && step <= 0) fail(`${field}.step`, 'must be greater than 0');
			if (value !== undefined && min !== undefined && value < min) fail(`${field}.value`, `must be at least ${min}`);
			if (value !== undefined && max !== undefined && value > max) fail(`${field}.value`, `must be at most ${max}`);
			if (min !== undefined) action.min = min;
			if (max !== undefined) action.max = max;
			if (step !== undefined) action.step = step;
			if (value !== undefined) action.value = value;
			return action;
		}
		case 'toggle': {
			const action: PingAction = { type: 'toggle', label, key: key() };
			const value = optionalBoolean(raw, 'value', `${field}.value`);
			if (value !== undefined) action.value = value;
			return action;
		}
	}
}

/** The key a tap reports in `triggered_by`: the button's key, or `button_<index in actions>`. */
export function buttonKey(action: PingAction, index: number): string | null {
	if (action.type !== 'button') return null;
	return action.key ?? `button_${index}`;
}

export function isFormAction(action: PingAction): action is FormAction {
	return FORM_TYPES.includes(action.type);
}

/** Validates a list of actions against SPEC §4 (at most 5, unique keys, each type's limits). */
export function validateActions(raw: unknown): PingAction[] {
	if (raw === undefined || raw === null) return [];
	if (!Array.isArray(raw)) fail('actions', 'must be a list');
	if (raw.length > MAX_ACTIONS) fail('actions', `must have at most ${MAX_ACTIONS} items (it has ${raw.length})`);
	const actions = raw.map((item, i) => parseAction(item, `actions[${i}]`));
	const seen = new Set<string>();
	actions.forEach((action, i) => {
		const key = action.type === 'url' ? null : action.type === 'button' ? buttonKey(action, i) : action.key;
		if (key === null) return;
		if (seen.has(key)) fail(`actions[${i}].key`, `"${key}" is used by another action`);
		seen.add(key);
	});
	return actions;
}

export interface MessageInput {
	title: unknown;
	body?: unknown;
	priority?: unknown;
	actions?: unknown;
	callbackUrl?: unknown;
	expiresIn?: unknown;
}

/** Builds the send request, or throws `InvalidMessageError` naming the first bad field. */
export function buildSendRequest(input: MessageInput): SendRequest {
	const title = requiredString({ title: input.title }, 'title', 'title', TITLE_MAX);
	const request: SendRequest = { title, priority: 'normal' };
	const body = optionalString({ body: input.body }, 'body', 'body', BODY_MAX);
	if (body !== undefined) request.body = body;
	if (input.priority !== undefined && input.priority !== '') {
		if (!PRIORITIES.includes(input.priority as Priority)) fail('priority', `must be one of: ${PRIORITIES.join(', ')}`);
		request.priority = input.priority as Priority;
	}
	const actions = validateActions(input.actions);
	if (actions.length > 0) request.actions = actions;
	const callbackUrl = optionalString({ callback_url: input.callbackUrl }, 'callback_url', 'callback_url', 2048);
	if (callbackUrl !== undefined) request.callback_url = httpUrl(callbackUrl.trim(), 'callback_url');
	if (input.expiresIn !== undefined && input.expiresIn !== null && input.expiresIn !== '' && input.expiresIn !== 0) {
		const expiresIn = input.expiresIn;
		if (typeof expiresIn !== 'number' || !Number.isInteger(expiresIn) || expiresIn < 1) {
			fail('expires_in', 'must be a whole number of seconds greater than 0');
		}
		request.expires_in = expiresIn;
	}
	return request;
}
