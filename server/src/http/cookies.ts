import { IncomingMessage } from 'node:http';

/** The value of the first cookie in the request that has one of these names, or null. */
export function cookieValue(req: IncomingMessage, names: readonly string[]): string | null {
	for (const part of (req.headers.cookie ?? '').split(';')) {
		const at = part.indexOf('=');
		if (at !== -1 && names.includes(part.slice(0, at).trim())) return part.slice(at + 1).trim();
	}
	return null;
}
