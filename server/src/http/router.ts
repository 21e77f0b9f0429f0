import { Method, Route } from './route';

export type Match =
	{ route: Route; params: Record<string, string> } | { route: null; badEscape: boolean };

interface CompiledRoute {
	route: Route;
	pattern: RegExp;
	names: string[];
}

/**
 * Finds the route of a request path. The table is small (a few dozen fixed patterns), so each
 * method's routes are tried in table order with one anchored regular expression each: the
 * hot routes (send, poll) come first and cost one test. No routing library: none would be
 * shorter than this, and this keeps the order of the table visible.
 */
export class Router {
	private readonly byMethod = new Map<string, CompiledRoute[]>();

	constructor(routes: Route[]) {
		for (const route of routes) {
			const names: string[] = [];
			const source = route.path
				.split('/')
				.map((part) => {
					if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
					names.push(part.slice(1));
					return '([^/]+)';
				})
				.join('/');
			const list = this.byMethod.get(route.method) ?? [];
			list.push({ route, names, pattern: new RegExp(`^${source}/?$`) });
			this.byMethod.set(route.method, list);
		}
	}

	/** The route and its %-decoded parameters; no route for an unknown path or a malformed %-escape. */
	match(method: string, path: string): Match {
		for (const { route, pattern, names } of this.byMethod.get(method as Method) ?? []) {
			const found = pattern.exec(path);
			if (!found) continue;
			const params: Record<string, string> = {};
			try {
				for (let i = 0; i < names.length; i++) params[names[i]] = decodeURIComponent(found[i + 1]);
			} catch {
				return { route: null, badEscape: true };
			}
			return { route, params };
		}
		return { route: null, badEscape: false };
	}
}
