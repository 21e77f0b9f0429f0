/**
 * Counters and gauges for `GET /metrics` (Prometheus text format 0.0.4). A tiny registry of our
 * own: a handful of series needs no dependency, and every part of the server (push, callbacks)
 * registers its own series here.
 */
export type Labels = Record<string, string>;

interface Series {
	name: string;
	help: string;
	type: 'counter' | 'gauge';
	values: Map<string, { labels: Labels; value: number }>;
}

export interface Counter {
	inc(labels?: Labels, by?: number): void;
	get(labels?: Labels): number;
}

export interface Gauge extends Counter {
	set(value: number, labels?: Labels): void;
	dec(labels?: Labels, by?: number): void;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

function labelKey(labels: Labels): string {
	// Most series have no labels and are bumped per request: skip the sort for them.
	let empty = true;
	for (const _ in labels) {
		empty = false;
		break;
	}
	if (empty) return '';
	return Object.keys(labels)
		.sort()
		.map((k) => `${k}=${labels[k]}`)
		.join('\u0000');
}

const escapeLabel = (value: string) =>
	value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function formatLabels(labels: Labels): string {
	const keys = Object.keys(labels).sort();
	if (keys.length === 0) return '';
	return `{${keys.map((k) => `${k}="${escapeLabel(labels[k])}"`).join(',')}}`;
}

export class Metrics {
	private readonly series = new Map<string, Series>();

	counter(name: string, help: string): Counter {
		const s = this.register(name, help, 'counter');
		return {
			inc: (labels = {}, by = 1) => {
				if (by < 0) throw new Error(`counter ${name} cannot go down`);
				this.add(s, labels, by);
			},
			get: (labels = {}) => s.values.get(labelKey(labels))?.value ?? 0,
		};
	}

	gauge(name: string, help: string): Gauge {
		const s = this.register(name, help, 'gauge');
		return {
			inc: (labels = {}, by = 1) => this.add(s, labels, by),
			dec: (labels = {}, by = 1) => this.add(s, labels, -by),
			set: (value, labels = {}) => {
				s.values.set(labelKey(labels), { labels, value });
			},
			get: (labels = {}) => s.values.get(labelKey(labels))?.value ?? 0,
		};
	}

	/** The exposition text: HELP and TYPE for every series, then one line per label set. */
	render(): string {
		const lines: string[] = [];
		for (const s of this.series.values()) {
			lines.push(`# HELP ${s.name} ${s.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
			lines.push(`# TYPE ${s.name} ${s.type}`);
			// A series nobody touched yet still shows 0 when it has no labels, so dashboards see it.
			if (s.values.size === 0) lines.push(`${s.name} 0`);
			for (const { labels, value } of s.values.values())
				lines.push(`${s.name}${formatLabels(labels)} ${value}`);
		}
		return `${lines.join('\n')}\n`;
	}

	private register(name: string, help: string, type: Series['type']): Series {
		if (!NAME.test(name)) throw new Error(`invalid metric name ${name}`);
		const existing = this.series.get(name);
		if (existing) {
			if (existing.type !== type) throw new Error(`metric ${name} is already a ${existing.type}`);
			return existing;
		}
		const s: Series = { name, help, type, values: new Map() };
		this.series.set(name, s);
		return s;
	}

	private add(s: Series, labels: Labels, by: number): void {
		const key = labelKey(labels);
		const entry = s.values.get(key);
		if (entry) entry.value += by;
		else s.values.set(key, { labels, value: by });
	}
}
