import { ConfigError, environment, loadConfig, type Config } from '../config.js';

/** The configuration for command `name` (from .env and the environment); null after saying on stderr what is invalid. */
export function cliConfig(name: string): Readonly<Config> | null {
  try {
    return loadConfig(environment());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${name}: invalid configuration: ${error.message}\n`);
    return null;
  }
}
