import 'reflect-metadata';
import { ConfigError, environment, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { startService } from './server.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(environment());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`igbridge: invalid configuration: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  if (config.instagram.appSecrets.length === 0) logger.warn('IG_APP_SECRET is not set: every webhook POST will be refused');
  if (!config.apiToken) logger.warn('API_TOKEN is not set: every /api route will be refused');

  const service = await startService(config, logger);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`igbridge: failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
