import type { Server } from 'node:http';
import type { Config } from './config.js';
import { type Database, openDatabase } from './db/database.js';
import { createHttpApp, finishHttpApp } from './http/server.js';
import type { Logger } from './logger.js';

export interface RunningApp {
  readonly port: number;
  readonly database: Database;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), then closes the database. */
  stop(): Promise<void>;
}

/** Wires the parts together and starts listening. Each part is started and stopped here, in order. */
export async function startApp(config: Config, logger: Logger): Promise<RunningApp> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }, logger);
  try {
    const http = createHttpApp({ logger, isReady: () => database.isReady() });
    finishHttpApp(http, logger);
    const server = await listen(http, config.port);
    const port = (server.address() as { port: number }).port;
    logger.info({ port }, 'countersign is listening');

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        await closeServer(server, config.shutdownTimeoutMs, logger);
        await database.close();
      })();
      return stopping;
    };
    return { port, database, stop };
  } catch (error) {
    await database.close();
    throw error;
  }
}

function listen(app: ReturnType<typeof createHttpApp>, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port);
    server.once('listening', () => resolve(server));
    server.once('error', reject);
  });
}

async function closeServer(server: Server, timeoutMs: number, logger: Logger): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => {
    logger.warn({ timeoutMs }, 'shutdown timeout reached; closing open connections');
    server.closeAllConnections();
  }, timeoutMs);
  await closed;
  clearTimeout(timer);
}
