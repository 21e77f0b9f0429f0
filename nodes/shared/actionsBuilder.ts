import type { IDataObject } from 'n8n-workflow';
import { InvalidMessageError } from './fields';

/**
 * Turns the n8n editor's entries (one fixedCollection entry per action) into raw Ping actions.
 * Only the fields that apply to the entry's type are copied; empty optional fields are left
 * out so the server applies its own defaults. The result still goes through `parseActions`.
 */
export function actionsFromFields(entries: IDataObject[]): IDataObject[] {
	return entries.map((entry, index) => actionFromEntry(entry, `actions[${index}]`));
}

function text(value: unknown): string {
	return typeof value === 'string'
		? value.trim()
		: value === undefined || value === null
			? ''
			: String(value);
}

function numberField(value: unknown, field: string): number | undefined {
	if (typeof value === 'number') return value;
	const raw = text(value);
	if (raw === '') return undefined;
	const parsed = Number(raw);
	if (!Number.isFinite(parsed))
		throw new InvalidMessageError(field, `${field} must be a number (got "${raw}")`);
	return parsed;
}

function booleanField(value: unknown, field: string): boolean | undefined {
	if (typeof value === 'boolean') return value;
	const raw = text(value).toLowerCase();
	if (raw === '') return undefined;
	if (raw === 'true') return true;
	if (raw === 'false') return false;
	throw new InvalidMessageError(field, `${field} must be true or false (got "${raw}")`);
}

/** `Label=value` per line; a line without `=` is a value that is also its label. */
export function parseSelectOptions(raw: unknown): Array<{ label: string; value: string }> {
	return text(raw)
		.split(/\r?\n/)
		.map((line) => line.trim())
		.filter((line) => line !== '')
		.map((line) => {
			const eq = line.indexOf('=');
			if (eq < 0) return { label: line, value: line };
			return { label: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() };
		});
}

function actionFromEntry(entry: IDataObject, field: string): IDataObject {
	const type = text(entry.type) || 'button';
	const action: IDataObject = { type, label: text(entry.label) };
	const key = text(entry.key);
	switch (type) {
		case 'url':
			action.value = text(entry.url);
			break;
		case 'button':
			if (key !== '') action.key = key;
			if (text(entry.style) !== '') action.style = text(entry.style);
			break;
		case 'select': {
			action.key = key;
			action.options = parseSelectOptions(entry.selectOptions);
			const value = text(entry.value);
			if (value !== '') action.value = value;
			break;
		}
		case 'text': {
			action.key = key;
			if (text(entry.placeholder) !== '') action.placeholder = text(entry.placeholder);
			if (entry.multiline === true) action.multiline = true;
			const maxLength = numberField(entry.maxLength, `${field}.max_length`);
			if (maxLength !== undefined) action.max_length = maxLength;
			const value = text(entry.value);
			if (value !== '') action.value = value;
			break;
		}
		case 'number':
			action.key = key;
			for (const [name, wire] of [
				['min', 'min'],
				['max', 'max'],
				['step', 'step'],
				['value', 'value'],
			] as const) {
				const parsed = numberField(entry[name], `${field}.${wire}`);
				if (parsed !== undefined) action[wire] = parsed;
			}
			break;
		case 'toggle': {
			action.key = key;
			const value = booleanField(entry.value, `${field}.value`);
			if (value !== undefined) action.value = value;
			break;
		}
		default:
			// Left as is: validation names the unknown type.
			break;
	}
	return action;
}

/** The JSON editor's value: a JSON array as text, or already an array when set by an expression. */
export function actionsFromJson(raw: unknown): unknown {
	if (typeof raw !== 'string') return raw;
	if (raw.trim() === '') return [];
	let problem = '';
	let parsed: unknown;
	try {
		parsed = JSON.parse(raw) as unknown;
	} catch (error) {
		problem = (error as Error).message;
	}
	if (problem !== '')
		throw new InvalidMessageError('actions', `actions must be valid JSON: ${problem}`);
	return parsed;
}
