import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { destination } from 'pino';
import { fitReport } from '../adapters/mysql/crm-fit-report.js';
import type { CrmPool } from '../adapters/mysql/crm-pool.js';
import { inspectCrmTable } from '../adapters/mysql/crm-table-inspection.js';
import { buildContainer } from '../container.js';
import { Lifecycle } from '../lifecycle.js';
import { createLogger } from '../logger.js';
import { TOKENS } from '../tokens.js';
import { cliConfig } from './cli-config.js';

const USAGE = `usage: npm run crm:check

Reads the CRM table's columns and indexes (information_schema) and prints what igbridge would
do with them: the mapping in use (CRM_MYSQL_COLUMNS, CRM_MYSQL_DIRECTION_VALUES), the igbridge
fields the table lacks, how writes stay exactly once, what edits and unsends do, warnings, and
misfits. Writes nothing. Run it before setting CRM_MYSQL_ENABLED=true.

Exit code: 0 the table fits, 1 it does not (or the CRM cannot be reached), 2 bad configuration.
Needs CRM_MYSQL_HOST, CRM_MYSQL_USER and CRM_MYSQL_DATABASE (CRM_MYSQL_ENABLED may stay false).
`;

async function main(argv: string[]): Promise<number> {
  try {
    if (parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } } }).values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
  } catch (error) {
    process.stderr.write(`crm:check: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const config = cliConfig('crm:check');
  if (!config) return 2;
  const crm = config.crm;
  if (crm.missing.length > 0) {
    process.stderr.write(`crm:check: ${crm.missing.join(', ')} not set: the check needs to know where the CRM is.\n\n${USAGE}`);
    return 2;
  }
  // One connection, and no long wait for it: a check, not a service.
  const checking = { ...config, crm: { ...crm, poolMax: 1, acquireTimeoutMs: Math.min(crm.acquireTimeoutMs, 10_000) } };
  const container = buildContainer(checking, createLogger('silent', destination(2)));
  const pool = container.resolve<CrmPool>(TOKENS.CrmPool);
  try {
    process.stdout.write(`CRM: ${crm.user}@${crm.host}:${crm.port}, database ${crm.database}\n`);
    const connection = await pool.acquire();
    const fit = await inspectCrmTable(async (sql, params) => (await connection.query(sql, params))[0] as Record<string, unknown>[], crm.database, crm.table, crm.mapping)
      .finally(() => pool.release(connection));
    process.stdout.write(`${fitReport(fit).join('\n')}\n`);
    return fit.fits ? 0 : 1;
  } catch (error) {
    process.stderr.write(`crm:check: cannot read the CRM table: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await new Lifecycle(container).stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`crm:check: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
