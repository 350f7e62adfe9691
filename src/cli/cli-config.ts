import { ConfigError, environment, loadConfig, type Config } from '../config.js';

/**
 * A command-line tool's configuration (the environment over `.env`), or null once stderr says
 * which variable is invalid: the tool then exits 2.
 */
export function cliConfig(command: string): Readonly<Config> | null {
  try {
    return loadConfig(environment());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${command}: invalid configuration: ${error.message}\n`);
    return null;
  }
}

/** False once stderr says which CRM location variables are missing (the CRM tools need all three). */
export function crmLocated(command: string, config: Readonly<Config>, what: string, usage: string): boolean {
  if (config.crm.missing.length === 0) return true;
  process.stderr.write(`${command}: ${config.crm.missing.join(', ')} not set: ${what} needs to know where the CRM is.\n\n${usage}`);
  return false;
}
