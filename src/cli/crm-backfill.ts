import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { destination } from 'pino';
import { MirrorPendingMessages, type MirrorOptions } from '../application/crm-mirror/mirror-pending-messages.js';
import type { CrmOutbox, OutboxSelection } from '../application/ports/crm-outbox.js';
import type { CrmWriter } from '../application/ports/crm-writer.js';
import { CLI_BUSY_TIMEOUT_MS } from '../adapters/sqlite/database.js';
import type { RegisterEnvAccount } from '../application/register-env-account.js';
import { buildContainer } from '../container.js';
import { systemClock } from '../domain/clock.js';
import { Lifecycle } from '../lifecycle.js';
import { createLogger } from '../logger.js';
import { TOKENS } from '../tokens.js';
import { cliConfig } from './cli-config.js';
import { Progress } from './progress.js';

const USAGE = `usage: npm run crm:backfill -- [--since <ISO date>] [--dry-run]

Sends to the CRM every message that was never mirrored (stored while CRM_MYSQL_ENABLED was
false) or whose mirroring failed, oldest first, in batches of CRM_BATCH_SIZE. Safe to re-run:
a message is sent once; one whose earlier write had an unknown outcome is checked first.

  --since <ISO date>  only messages sent at or after this time (e.g. 2026-01-31T00:00:00Z)
  --dry-run           count what would be sent; send nothing

Needs CRM_MYSQL_HOST, CRM_MYSQL_USER and CRM_MYSQL_DATABASE (plus CRM_MYSQL_PASSWORD,
CRM_MYSQL_PORT, CRM_MYSQL_TABLE as needed) in the environment or .env; CRM_MYSQL_ENABLED
may stay false. SQLITE_PATH names the local database.
`;

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseArgs({ args: argv, options: { since: { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (error) {
    process.stderr.write(`crm:backfill: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const since = options.since === undefined ? undefined : Date.parse(options.since);
  if (since !== undefined && Number.isNaN(since)) {
    process.stderr.write(`crm:backfill: --since "${options.since}" is not an ISO date\n\n${USAGE}`);
    return 2;
  }
  const config = cliConfig('crm:backfill');
  if (!config) return 2;
  if (config.crm.missing.length > 0) {
    process.stderr.write(`crm:backfill: ${config.crm.missing.join(', ')} not set: the backfill needs to know where the CRM is.\n\n${USAGE}`);
    return 2;
  }

  // Logs (warnings and errors: failed writes, the TODO line) go to stderr beside the progress bar.
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, destination(2));
  const selection: OutboxSelection = { states: ['not_mirrored', 'failed'], since };
  // The service's writer and exactly-once use case, over this selection; a row the CRM rejects fails at once.
  const container = buildContainer(config, logger, { sqliteBusyTimeoutMs: CLI_BUSY_TIMEOUT_MS });
  const lifecycle = new Lifecycle(container);
  const outbox = container.resolve<CrmOutbox>(TOKENS.CrmOutbox);
  const writer = container.resolve<CrmWriter>(TOKENS.CrmWriter);
  const mirrorPending = new MirrorPendingMessages(writer, outbox, systemClock, logger, {
    ...container.resolve<MirrorOptions>(TOKENS.MirrorOptions),
    maxAttempts: 0,
    selection,
  });
  try {
    const total = await outbox.count(selection);
    const failedBefore = await outbox.count({ states: ['failed'], since });
    const scope = since === undefined ? '' : ` sent since ${new Date(since).toISOString()}`;
    if (options['dry-run']) {
      process.stdout.write(`crm:backfill (dry run): ${total} message(s)${scope} would be sent to ${config.crm.database}.${config.crm.table} (${total - failedBefore} never mirrored, ${failedBefore} failed before)\n`);
      return 0;
    }
    if (total === 0) {
      process.stdout.write(`crm:backfill: nothing to send${scope}\n`);
      return 0;
    }
    try {
      await writer.validate();
    } catch (error) {
      process.stderr.write(`crm:backfill: the CRM is not usable: ${(error as Error).message}\n`);
      return 1;
    }
    // Usernames are looked up with the accounts' tokens; the env pair is one of them (as at the service's start).
    await lifecycle.open();
    await container.resolve<RegisterEnvAccount>(TOKENS.RegisterEnvAccount).execute().catch((error: unknown) => {
      process.stderr.write(`crm:backfill: IG_ACCESS_TOKEN could not be added as an account (${(error as Error).message}); usernames of its customers fall back to the user id\n`);
    });
    const progress = new Progress(total);
    let afterId = 0;
    for (;;) {
      const { outcome, lastId } = await mirrorPending.execute(afterId, (rows) => progress.add(rows.length));
      if (outcome === 'idle') break;
      if (outcome === 'transient') {
        progress.end();
        process.stderr.write('crm:backfill: the CRM stopped answering; run the backfill again later (nothing will be sent twice)\n');
        summary(mirrorPending.tally);
        return 1;
      }
      afterId = lastId;
    }
    progress.end();
    summary(mirrorPending.tally);
    return mirrorPending.tally.failed > 0 ? 1 : 0;
  } finally {
    await lifecycle.stop();
  }
}

function summary(tally: { mirrored: number; alreadyThere: number; failed: number }): void {
  process.stdout.write(
    `crm:backfill: ${tally.mirrored} sent, ${tally.alreadyThere} already in the CRM, ${tally.failed} rejected by the CRM` +
      (tally.failed > 0 ? ' (see crm.last_error in the API)' : '') + '\n',
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`crm:backfill: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
