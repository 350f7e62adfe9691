import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { destination } from 'pino';
import type { AccountViews } from '../application/account-views.js';
import type { HistoryTally } from '../application/ports/history-checkpoints.js';
import type { ImportHistory } from '../application/import-history.js';
import type { RegisterEnvAccount } from '../application/register-env-account.js';
import { CLI_BUSY_TIMEOUT_MS } from '../adapters/sqlite/database.js';
import { buildContainer } from '../container.js';
import { DomainError } from '../domain/errors.js';
import { Lifecycle } from '../lifecycle.js';
import { createLogger } from '../logger.js';
import { TOKENS } from '../tokens.js';
import { cliConfig } from './cli-config.js';
import { Progress } from './progress.js';

const USAGE = `usage: npm run history:import -- [--account ID] [--since YYYY-MM-DD] [--conversations N] [--dry-run]

Imports the past conversations Meta's Conversations API still has into the local store (the
one webhooks write to: a message already there is not stored twice), newest conversation
first, at most HISTORY_CALLS_PER_S calls a second. Meta details only the 20 most recent
messages of each conversation: older ones are counted, not imported. Interrupted (Ctrl-C, a
network failure, Meta's rate limit), it resumes where it stopped when run again.

  --account ID         only this account (default: every account, one after the other)
  --since YYYY-MM-DD   only conversations updated and messages sent since that day (UTC)
  --conversations N    only the N most recently updated conversations
  --dry-run            count what is missing; store nothing

Needs an account: IG_ACCESS_TOKEN (and IG_ACCOUNT_ID, GRAPH_API_URL as needed) in the
environment or .env, or accounts added with npm run accounts -- add. With CRM_MYSQL_ENABLED=true imported messages wait as pending: the running service
mirrors them to the CRM, once each; with it off, npm run crm:backfill sends them.
`;

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseArgs({ args: argv, options: { account: { type: 'string' }, since: { type: 'string' }, conversations: { type: 'string' }, 'dry-run': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (error) {
    return usage((error as Error).message);
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const since = options.since === undefined ? null : Date.parse(`${options.since}T00:00:00Z`);
  if (since !== null && (!/^\d{4}-\d{2}-\d{2}$/.test(options.since!) || Number.isNaN(since))) return usage(`--since "${options.since}" is not a date like 2026-01-31`);
  const limit = options.conversations === undefined ? null : Number(options.conversations);
  if (limit !== null && (!/^\d{1,9}$/.test(options.conversations!) || limit < 1)) return usage(`--conversations "${options.conversations}" is not a whole number from 1`);
  const config = cliConfig('history:import');
  if (!config) return 2;

  // Logs (back-offs, skipped items) go to stderr beside the progress bar.
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, destination(2));
  // The webhook's store path (de-duplicated on mid) without the service's background work:
  // with the CRM mirror on, imported messages are committed `pending` and the service mirrors them.
  const container = buildContainer(config, logger, { storeOnly: true, sqliteBusyTimeoutMs: CLI_BUSY_TIMEOUT_MS });
  const lifecycle = new Lifecycle(container);
  const importer = container.resolve<ImportHistory>(TOKENS.ImportHistory);
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const dryRun = options['dry-run'] ?? false;
  let progress: Progress | undefined;
  try {
    await lifecycle.open();
    const accounts = await accountsToWalk(container, options.account, stop.signal);
    if (typeof accounts === 'string') return usage(accounts);
    for (const account of accounts) {
      const name = accounts.length > 1 ? ` (account ${account})` : '';
      progress = new Progress(limit ?? 1);
      const current = progress;
      const { tally, resumed } = await importer.execute({
        walk: 'import',
        account,
        since,
        limit,
        dryRun,
        signal: stop.signal,
        onProgress: (t, listed, more) => current.set(t.conversations, listed, ` conversations, ${t.imported} ${dryRun ? 'missing' : 'imported'}${name}`, more && limit === null),
      });
      progress.end();
      if (resumed) process.stdout.write(`history:import${name}: resumed the interrupted import\n`);
      summary(tally, dryRun, name);
    }
    return 0;
  } catch (error) {
    progress?.end();
    if (!(error instanceof DomainError)) throw error;
    const again = error.code === 'history_token_invalid' ? 'Fix the token, then run it again' : 'Run it again to resume where it stopped';
    process.stderr.write(`history:import: stopped: ${error.message}. ${again} (nothing is stored twice).\n`);
    return 1;
  } finally {
    await lifecycle.stop();
  }
}

/**
 * The accounts to walk: the env pair first becomes an account (as the service does at start),
 * then `--account` or every account whose token works; a string says what is wrong.
 */
async function accountsToWalk(container: ReturnType<typeof buildContainer>, only: string | undefined, signal: AbortSignal): Promise<string[] | string> {
  await container.resolve<RegisterEnvAccount>(TOKENS.RegisterEnvAccount).execute(signal);
  const accounts = container.resolve<AccountViews>(TOKENS.AccountViews).list();
  if (only !== undefined) {
    return accounts.some((account) => account.id === only) ? [only] : `--account ${only} is not one of igbridge's accounts (npm run accounts -- list)`;
  }
  if (accounts.length === 0) return 'no account: set IG_ACCESS_TOKEN (an Instagram User access token) or add one with npm run accounts -- add --token <token>';
  const usable = accounts.filter((account) => account.tokenState !== 'invalid');
  for (const account of accounts.filter((a) => a.tokenState === 'invalid')) process.stderr.write(`history:import: skipping account ${account.id}: ${account.problem}\n`);
  return usable.map((account) => account.id);
}

function summary(tally: HistoryTally, dryRun: boolean, name: string): void {
  const verb = dryRun ? 'missing (would be imported, at most 20 per conversation)' : 'imported';
  process.stdout.write(
    `history:import${dryRun ? ' (dry run)' : ''}${name}: ${tally.conversations} conversation(s), ${tally.imported} message(s) ${verb}, ` +
      `${tally.known} already stored, ${tally.unavailable} older than Meta's 20 most recent (not available)\n`,
  );
}

function usage(problem: string): number {
  process.stderr.write(`history:import: ${problem}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`history:import: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
