import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { isAppError } from '../errors.js';
import type { Logger } from '../logger.js';

export interface HttpDependencies {
  readonly logger: Logger;
  /** Database reachable and migrations applied. */
  readonly isReady: () => Promise<boolean>;
}

/**
 * The Express app every route lives on. No global body parser: Slack's and Stripe's signature checks
 * need the raw body, so each route parses its own.
 */
export function createHttpApp({ logger, isReady }: HttpDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog(logger));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const ready = await isReady();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready' });
  });

  return app;
}

/** The last handlers: a JSON 404 for unknown routes and one error handler for all of Express. */
export function finishHttpApp(app: Express, logger: Logger): void {
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    const expected = isAppError(error) && error.expected;
    logger[expected ? 'warn' : 'error']({ err: error, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) return;
    res.status(expected ? 400 : 500).json({ error: expected ? error.code : 'internal_error' });
  };
  app.use(onError);
}

function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const quiet = req.path === '/healthz' || req.path === '/readyz';
      logger[quiet ? 'debug' : 'info'](
        { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 },
        'http request',
      );
    });
    next();
  };
}
