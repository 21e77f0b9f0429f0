import { Counter, Metrics } from '../observability/metrics';

/** How answers come in, as Prometheus series; registered once at start, counted per request. */
export interface AnswerMetrics {
	/** Answers stored, by `via` (link, api). */
	answers: Counter;
	/** Requests to answer pages, by method and outcome. */
	pageRequests: Counter;
}

export function answerMetrics(metrics: Metrics): AnswerMetrics {
	return {
		answers: metrics.counter(
			'ping_answers_total',
			'Answers stored, by how they came in (via: link, api)',
		),
		pageRequests: metrics.counter(
			'ping_answer_page_requests_total',
			'Requests to answer pages (/a/<token>), by method and outcome',
		),
	};
}
