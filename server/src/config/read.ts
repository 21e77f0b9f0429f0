import { settingNamed } from './settings';

export type Env = Record<string, string | undefined>;

/** A setting the server cannot start with; the message names the variable. */
export class ConfigError extends Error {}

/** The variable, trimmed; undefined when unset or blank. */
function raw(env: Env, name: string): string | undefined {
	const value = env[name]?.trim();
	return value === '' ? undefined : value;
}

/** A whole-number setting within its range from the settings table; the table's default when unset. */
export function readInteger(env: Env, name: string): number {
	const setting = settingNamed(name);
	const value = raw(env, name) ?? setting.default;
	const [min, max] = setting.range ?? [0, Number.MAX_SAFE_INTEGER];
	if (value === null || !/^\d+$/.test(value))
		throw new ConfigError(`${name} must be a whole number, got "${env[name]}"`);
	const number = Number(value);
	if (number < min || number > max)
		throw new ConfigError(`${name} must be between ${min} and ${max}, got ${number}`);
	return number;
}

/** A text setting, trimmed; the table's default when unset, null when it has none. */
export function readText(env: Env, name: string): string | null {
	return raw(env, name) ?? settingNamed(name).default;
}
