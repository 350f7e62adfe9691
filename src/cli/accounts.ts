import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { destination } from 'pino';
import type { AccountView, AccountViews } from '../application/account-views.js';
import type { AddAccount } from '../application/add-account.js';
import type { AccountStore } from '../application/ports/account-store.js';
import type { RegisterEnvAccount } from '../application/register-env-account.js';
import { CLI_BUSY_TIMEOUT_MS } from '../adapters/sqlite/database.js';
import { buildContainer } from '../container.js';
import { DomainError } from '../domain/errors.js';
import { isMetaId } from '../domain/meta-id.js';
import { Lifecycle } from '../lifecycle.js';
import { createLogger } from '../logger.js';
import { TOKENS } from '../tokens.js';
import { cliConfig } from './cli-config.js';

const USAGE = `usage: npm run accounts -- add --token TOKEN | list | remove ID

The Instagram accounts igbridge serves (SPEC §12), kept in its SQLite database with their
access tokens. Webhooks name the account (entry[].id); replies, usernames and history for an
account use its token, which the service refreshes every TOKEN_REFRESH_H hours.

  add --token TOKEN   asks Meta whose token it is (GET /me) and stores the account, or gives an
                      account already there this new token (e.g. after Meta refused the old one).
                      --token - reads the token from standard input (keeps it out of the shell history).
  list                the accounts: id, username, token state (ok, expiring, invalid), expiry
  remove ID           forgets the account and its token (its messages stay)

IG_ACCESS_TOKEN (with IG_ACCOUNT_ID) in the environment or .env is an account too: the first
one. The running service sees changes at once. Tokens are never printed.
Exit code: 0 done, 1 refused (Meta refused the token, no such account), 2 bad arguments or configuration.
`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { token: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    return usage((error as Error).message);
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === undefined) return usage('say what to do: add, list or remove');
  if (!['add', 'list', 'remove'].includes(command)) return usage(`unknown command "${command}"`);
  if (command === 'add' && (parsed.values.token === undefined || rest.length > 0)) return usage('add needs --token TOKEN (and nothing else)');
  if (command === 'list' && (rest.length > 0 || parsed.values.token !== undefined)) return usage('list takes no arguments');
  if (command === 'remove' && (rest.length !== 1 || !isMetaId(rest[0]!) || parsed.values.token !== undefined)) return usage('remove needs the account id (digits), e.g. npm run accounts -- remove 17841400000000001');

  const config = cliConfig('accounts');
  if (!config) return 2;
  // Logs (a Graph failure) go to stderr; the answers to stdout.
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, destination(2));
  const container = buildContainer(config, logger, { storeOnly: true, sqliteBusyTimeoutMs: CLI_BUSY_TIMEOUT_MS });
  const lifecycle = new Lifecycle(container);
  try {
    await lifecycle.open();
    if (command === 'add') return await add(container, parsed.values.token!);
    // The env pair is an account as well (as the service makes it at start-up).
    await container.resolve<RegisterEnvAccount>(TOKENS.RegisterEnvAccount).execute().catch((error: unknown) => {
      process.stderr.write(`accounts: IG_ACCESS_TOKEN could not be added as an account: ${(error as Error).message}\n`);
    });
    if (command === 'list') return list(container.resolve<AccountViews>(TOKENS.AccountViews).list());
    return await remove(container, rest[0]!, config.instagram.accessToken !== null);
  } finally {
    await lifecycle.stop();
  }
}

async function add(container: ReturnType<typeof buildContainer>, given: string): Promise<number> {
  const token = (given === '-' ? readFileSync(0, 'utf8') : given).trim();
  if (!/^[\x21-\x7e]{10,4096}$/.test(token)) return usage('the token must be the access token itself: printable characters without spaces');
  try {
    const { account, added } = await container.resolve<AddAccount>(TOKENS.AddAccount).execute(token);
    process.stdout.write(`${added ? 'added' : 'updated'} account ${account.id}${account.username ? ` (@${account.username})` : ''}: Meta accepts its token; igbridge refreshes it once it is 24 hours old\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const refused = error.code === 'token_invalid';
    process.stderr.write(`accounts: ${refused ? 'Meta refused this token' : 'could not ask Meta whose token this is'}: ${error.message}. Nothing was stored.\n`);
    return 1;
  }
}

function list(accounts: AccountView[]): number {
  if (accounts.length === 0) {
    process.stdout.write('no accounts: set IG_ACCESS_TOKEN in .env, or npm run accounts -- add --token <token>\n');
    return 0;
  }
  const iso = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString());
  const rows = [['ID', 'USERNAME', 'TOKEN', 'EXPIRES', 'ADDED'], ...accounts.map((a) => [a.id, a.username ?? '-', a.tokenState, iso(a.expiresAt), iso(a.addedAt)])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  for (const account of accounts) if (account.problem) process.stdout.write(`\n${account.problem}\n`);
  return 0;
}

async function remove(container: ReturnType<typeof buildContainer>, id: string, envTokenSet: boolean): Promise<number> {
  if (!(await container.resolve<AccountStore>(TOKENS.AccountStore).remove(id))) {
    process.stderr.write(`accounts: no account ${id} (npm run accounts -- list shows them)\n`);
    return 1;
  }
  process.stdout.write(`removed account ${id} and its token; its messages stay\n`);
  if (envTokenSet) process.stdout.write('note: IG_ACCESS_TOKEN is set: if it is this account\'s token, the account comes back at the next start (unset it in .env to keep it away)\n');
  return 0;
}

function usage(problem: string): number {
  process.stderr.write(`accounts: ${problem}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`accounts: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
