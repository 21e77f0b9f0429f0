import { badRequest } from './errors';

/**
 * Small readers that turn one untrusted JSON value into a typed one, or throw a 400
 * whose message names the field (`actions[2].label must be …`).
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireObject(value: unknown, field: string): JsonObject {
	if (!isObject(value)) throw badRequest(`${field} must be a JSON object`);
	return value;
}

/** Length in characters as a person counts them (code points), not UTF-16 units. */
export function charLength(value: string): number {
	let n = 0;
	for (const _ of value) n++;
	return n;
}

export function optionalString(
	obj: JsonObject,
	key: string,
	field: string,
	max: number,
): string | undefined {
	const value = obj[key];
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'string') throw badRequest(`${field} must be a string`);
	if (charLength(value) > max) throw badRequest(`${field} must be at most ${max} characters`);
	return value;
}

export function requiredString(obj: JsonObject, key: string, field: string, max: number): string {
	const value = optionalString(obj, key, field, max);
	if (value === undefined) throw badRequest(`${field} is required`);
	if (value.trim().length === 0) throw badRequest(`${field} must not be empty`);
	return value;
}

export function optionalBoolean(obj: JsonObject, key: string, field: string): boolean | undefined {
	const value = obj[key];
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'boolean') throw badRequest(`${field} must be true or false`);
	return value;
}

export function optionalNumber(obj: JsonObject, key: string, field: string): number | undefined {
	const value = obj[key];
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'number' || !Number.isFinite(value))
		throw badRequest(`${field} must be a finite number`);
	return value;
}

export function optionalInteger(
	obj: JsonObject,
	key: string,
	field: string,
	min: number,
	max: number,
): number | undefined {
	const value = obj[key];
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'number' || !Number.isInteger(value))
		throw badRequest(`${field} must be an integer`);
	if (value < min || value > max) throw badRequest(`${field} must be between ${min} and ${max}`);
	return value;
}

export function optionalEnum<T extends string>(
	obj: JsonObject,
	key: string,
	field: string,
	allowed: readonly T[],
): T | undefined {
	const value = obj[key];
	if (value === undefined || value === null) return undefined;
	if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
		throw badRequest(`${field} must be one of: ${allowed.join(', ')}`);
	}
	return value as T;
}

/** An absolute http(s) URL, or a 400 naming the field. */
export function httpUrl(value: string, field: string): string {
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		throw badRequest(`${field} must be a valid http(s) URL`);
	}
	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		throw badRequest(`${field} must be a valid http(s) URL`);
	}
	if (!url.hostname) throw badRequest(`${field} must be a valid http(s) URL`);
	return value;
}

/** A lone UTF-16 surrogate: half a character, which no text can carry on. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * The path of the first string (or object key) in a parsed JSON value that is not valid
 * Unicode (`actions[1].label`), or null when all of it is. JSON's `\ud800` escapes can carry
 * half characters that would be stored as U+FFFD; they are refused instead.
 */
export function invalidTextPath(value: unknown, path = ''): string | null {
	if (typeof value === 'string') return LONE_SURROGATE.test(value) ? path || '(body)' : null;
	if (Array.isArray(value)) {
		for (let i = 0; i < value.length; i++) {
			const found = invalidTextPath(value[i], `${path}[${i}]`);
			if (found !== null) return found;
		}
		return null;
	}
	if (isObject(value)) {
		for (const [key, item] of Object.entries(value)) {
			const at = path ? `${path}.${key}` : key;
			if (LONE_SURROGATE.test(key)) return at;
			const found = invalidTextPath(item, at);
			if (found !== null) return found;
		}
	}
	return null;
}
