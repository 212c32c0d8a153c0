import { startApp } from './app.js';
import { isAppError } from './errors.js';
import { configOrExit, processLogger } from './process.js';

/** Entry point: configuration errors are printed plainly (no stack), everything else is logged. */
async function main(): Promise<void> {
  const config = configOrExit();
  const logger = processLogger(config);
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));

  const app = await startApp(config, logger).catch((error: unknown) => {
    if (isAppError(error, 'config_invalid')) process.stderr.write(`${error.message}\n`);
    else logger.fatal({ err: error }, 'countersign failed to start');
    process.exit(1);
  });

  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      app.stop().then(
        () => {
          logger.info('stopped cleanly');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

await main();
