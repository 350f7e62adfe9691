import 'reflect-metadata';
import { ConfigError, environment, loadConfig } from './config.js';
import { createLogger, logDestination } from './logger.js';
import { warnLooseModes } from './private-files.js';
import { startService } from './server.js';
import { listenProblem, missingSecretWarnings } from './startup-messages.js';

function fail(message: string, status: number): never {
  process.stderr.write(`igbridge: ${message}\n`);
  process.exit(status);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(environment());
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`, 2);
    throw error;
  }
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
  const logger = createLogger(config.logLevel, logDestination(pretty ? 'pretty' : 'json'));
  for (const warning of missingSecretWarnings(config)) logger.warn(warning);
  warnLooseModes(['.env'], logger);

  let service;
  try {
    service = await startService(config, logger);
  } catch (error) {
    const problem = listenProblem(error, config.host, config.port);
    if (problem) fail(problem, 1);
    throw error;
  }
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
