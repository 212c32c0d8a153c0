import { type Config, loadConfig, readEnvironment } from './config.js';
import { isAppError } from './errors.js';
import { chooseLogFormat, createLogger, type Logger } from './logger.js';

/**
 * What every entry point (main.ts, migrate.ts) does first: the configuration, or its problems
 * printed plainly (no stack trace) and exit code 1.
 */
export function configOrExit(): Config {
  try {
    return loadConfig(readEnvironment());
  } catch (error) {
    if (isAppError(error, 'config_invalid')) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** The process logger: LOG_FORMAT, or pretty on a terminal in development and JSON otherwise. */
export function processLogger(config: Config): Logger {
  return createLogger({
    level: config.logLevel,
    secrets: config.secrets,
    format: chooseLogFormat({ configured: config.logFormat, env: config.env, isTTY: process.stdout.isTTY === true }),
  });
}
