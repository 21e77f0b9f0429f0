import express, { Express } from 'express';
import { channelsRouter } from './http/channels';
import { AppContext } from './http/context';
import { devicesRouter } from './http/devices';
import { errorHandler, notFoundRoute, requireJsonContentType } from './http/errors';
import { healthRouter } from './http/health';
import { keysRouter } from './http/keys';
import { messagesRouter } from './http/messages';
import { metricsRouter } from './http/metrics';
import { pollRouter } from './http/poll';
import { sendRouter } from './http/send';

export type { AppContext } from './http/context';

/** The HTTP API. Everything it uses is passed in; it owns no timers and no connections. */
export function createApp(ctx: AppContext): Express {
	const app = express();
	app.disable('x-powered-by');
	app.disable('etag');
	app.set('query parser', 'simple');

	app.use(requireJsonContentType);
	app.use(express.json({ limit: ctx.config.maxBodyBytes, strict: false, type: ['application/json', '+json'] }));

	app.use(healthRouter());
	app.use(metricsRouter(ctx.metrics));
	app.use(sendRouter(ctx));
	app.use(pollRouter(ctx));
	app.use(keysRouter(ctx));
	app.use(channelsRouter(ctx));
	app.use(devicesRouter(ctx));
	app.use(messagesRouter(ctx));

	app.use(notFoundRoute);
	app.use(errorHandler(ctx.log, ctx.config.maxBodyBytes));
	return app;
}
