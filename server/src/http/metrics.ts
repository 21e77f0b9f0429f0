import { Router } from 'express';
import { Metrics } from '../observability/metrics';

/** `GET /metrics`: Prometheus text. Counters only, no ids, tokens or secrets, so no auth. */
export function metricsRouter(metrics: Metrics): Router {
	const router = Router();
	router.get('/metrics', (_req, res) => {
		res.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render());
	});
	return router;
}
