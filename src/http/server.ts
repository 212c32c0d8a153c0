import { timingSafeEqual } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Response } from 'express';
import { isAppError, isExpected, type Refusal } from '../errors.js';
import type { Logger } from '../logger.js';
import { type Metrics, type MetricsRegistry, routeLabel } from '../metrics.js';
import { refuseOversizedBodies, sendBodyTooLarge } from './body-limit.js';

export interface HttpDependencies {
  readonly logger: Logger;
  /** Database reachable and migrations applied. */
  readonly isReady: () => Promise<boolean>;
  readonly metrics: MetricsRegistry;
  /** METRICS_TOKEN: when set, GET /metrics wants it as a bearer token. */
  readonly metricsToken: string | undefined;
}

/** HTTP status for each refusal code: the one place refusals become HTTP answers. */
const STATUS: Record<string, number> = {
  invalid_input: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  wrong_state: 409,
  already_done: 409,
  policy_refused: 422,
  not_configured: 503,
  unavailable: 503,
  service_refused: 502,
};

/** Answers with a refusal as JSON: `{ error: code, message }`. */
export function sendRefusal(res: Response, refusal: Refusal<string>, status = STATUS[refusal.code] ?? 400): void {
  res.status(status).json({ error: refusal.code, message: refusal.message });
}

/**
 * The Express app every route lives on. No global body parser: Slack's and Stripe's signature checks
 * need the raw body, so each route parses its own.
 */
export function createHttpApp({ logger, isReady, metrics, metricsToken }: HttpDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLog(logger, metrics));
  app.use(refuseOversizedBodies());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const ready = await isReady();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready' });
  });

  app.get('/metrics', async (req, res) => {
    if (metricsToken && !bearerMatches(req.header('authorization'), metricsToken)) {
      res.setHeader('www-authenticate', 'Bearer realm="metrics"');
      sendRefusal(
        res,
        { ok: false, code: 'unauthorized', message: 'GET /metrics needs the METRICS_TOKEN bearer token.' },
        401,
      );
      return;
    }
    res.type(metrics.contentType).send(await metrics.render());
  });

  return app;
}

/**
 * The last handlers: a JSON 404 for unknown routes and one error handler for all of Express. Input
 * errors (an oversized or malformed body, which the body parsers report with a 4xx status) get that
 * 4xx, never a 5xx.
 */
export function finishHttpApp(app: Express, logger: Logger): void {
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  const onError: ErrorRequestHandler = (error, req, res, _next) => {
    const inputStatus = clientErrorStatus(error);
    const expected = inputStatus !== undefined || (isAppError(error) && isExpected(error.code));
    logger[expected ? 'warn' : 'error']({ err: error, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) return;
    if (inputStatus === 413) {
      sendBodyTooLarge(req, res);
    } else if (inputStatus !== undefined) {
      res.status(inputStatus).json({ error: 'bad_request' });
    } else if (isAppError(error)) {
      sendRefusal(res, error);
    } else {
      res.status(500).json({ error: 'internal_error' });
    }
  };
  app.use(onError);
}

/** The 4xx status a body parser (or Bolt's receiver) gave an input error, if it is one. */
function clientErrorStatus(error: unknown): number | undefined {
  const status =
    (error as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/** Compares in constant time, so the token cannot be guessed from how fast a wrong one is refused. */
function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function requestLog(logger: Logger, metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      metrics.httpRequest(routeLabel(req.path), res.statusCode, ms / 1000);
      const quiet = req.path === '/healthz' || req.path === '/readyz' || req.path === '/metrics';
      logger[quiet ? 'debug' : 'info'](
        { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 },
        'http request',
      );
    });
    next();
  };
}
