import expressApp from 'express';
import { IncomingMessage, ServerResponse } from 'node:http';
import { channelsRouter } from './channels';
import { AppContext } from './context';
import { devicesRouter } from './devices';
import { errorHandler, notFoundRoute, requireJsonContentType } from './errors';
import { healthRouter } from './health';
import { keysRouter } from './keys';
import { messagesRouter } from './messages';
import { publicRoutes } from './public-routes';
import { webhooksRouter } from './webhooks';
import { metricsRouter } from './metrics';

export type { AppContext } from './context';

/**
 * The HTTP API as a node:http request listener: send and poll on the lean public routes,
 * everything else on Express. Everything it uses is passed in; it owns no timers or connections.
 */
export function createApp(ctx: AppContext): (req: IncomingMessage, res: ServerResponse) => void {
	const express = createAccountApp(ctx);
	const hot = publicRoutes(ctx);
	return (req, res) => {
		if (!hot(req, res)) express(req, res);
	};
}

function createAccountApp(ctx: AppContext) {
	const app = expressApp();
	app.disable('x-powered-by');
	app.disable('etag');
	app.set('query parser', 'simple');

	app.use(requireJsonContentType);
	app.use(expressApp.json({ limit: ctx.config.maxBodyBytes, strict: false, type: ['application/json', '+json'] }));

	app.use(healthRouter());
	app.use(metricsRouter(ctx.metrics));
	app.use(keysRouter(ctx));
	app.use(channelsRouter(ctx));
	app.use(devicesRouter(ctx));
	app.use(messagesRouter(ctx));
	app.use(webhooksRouter(ctx));

	app.use(notFoundRoute);
	app.use(errorHandler(ctx.log, ctx.config.maxBodyBytes));
	return app;
}
