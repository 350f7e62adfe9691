import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { sign } from '../adapters/http/signature.js';
import { ConfigError, environment, loadConfig } from '../config.js';
import { simulatedPayload } from './simulate/payload.js';

const USAGE = `Posts a signed Instagram webhook to a running igbridge, the way Meta would, and prints the answer.

  npm run simulate -- "hello"                      a text DM from a test customer
  npm run simulate -- --fixture path/to/event.json  a payload file, its exact bytes

Options:
  --port PORT        the service's port on this machine (default PORT from .env / the environment)
  --url URL          the service elsewhere (default http://127.0.0.1:$PORT)
  --sender IGSID     the customer's id (default 6000000000000001)
  --account ID       the business account id (default IG_ACCOUNT_ID, or 17841400000000001 when it is "me")
  --echo             as if the business sent it (is_echo: true, sender and recipient swapped)
  --image URL        add an image attachment (the text may then be left out)
  --mid MID          use this message id (send twice to see a redelivery deduplicated)
  --secret SECRET    sign with this instead of IG_APP_SECRET
  -h, --help         this text

Exit status: 0 when the service answered 2xx, 1 otherwise, 2 for a usage or configuration error.`;

function fail(message: string, status = 2): never {
  process.stderr.write(`igbridge simulate: ${message}\n`);
  process.exit(status);
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        port: { type: 'string' },
        fixture: { type: 'string' },
        sender: { type: 'string', default: '6000000000000001' },
        account: { type: 'string' },
        echo: { type: 'boolean', default: false },
        image: { type: 'string' },
        mid: { type: 'string' },
        secret: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`);
  }
  const { values: options, positionals } = parsed;
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }

  let config;
  try {
    config = loadConfig(environment());
  } catch (error) {
    if (error instanceof ConfigError) fail(`invalid configuration: ${error.message}`);
    throw error;
  }
  const secret = options.secret ?? config.instagram.appSecrets[0];
  if (!secret) fail('IG_APP_SECRET is not set (in .env or the environment), so nothing can be signed. Set it, or pass --secret.');

  const text = positionals.join(' ') || null;
  let body: Buffer;
  if (options.fixture) {
    if (text || options.image || options.echo || options.mid) fail('--fixture sends the file as it is: give no text, --image, --echo or --mid with it');
    try {
      body = readFileSync(options.fixture);
    } catch (error) {
      fail(`cannot read ${options.fixture}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  } else {
    if (!text && !options.image) fail(`give a message text or --fixture FILE\n\n${USAGE}`);
    const account = options.account ?? (config.instagram.accountId === 'me' ? '17841400000000001' : config.instagram.accountId);
    body = simulatedPayload({ text, imageUrl: options.image ?? null, customerId: options.sender, accountId: account, echo: options.echo, mid: options.mid, now: Date.now() });
  }

  if (options.url && options.port) fail('give --url or --port, not both');
  if (options.port !== undefined && !/^\d{1,5}$/.test(options.port)) fail(`--port must be a port number, got "${options.port}"`);
  const port = options.port ?? String(config.port);
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const base = (options.url ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  const target = `${base}/webhooks/instagram`;
  let response: Response;
  try {
    response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body, secret) },
      body,
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    const { cause: inner, message } = error as { cause?: { code?: string; message?: string }; message: string };
    const cause = inner?.code ?? inner?.message ?? message;
    const hint = cause === 'ECONNREFUSED' ? ' Is the service running (make run)? On another port, pass --port; elsewhere, --url.' : '';
    fail(`nothing answered at ${target} (${cause}).${hint}`, 1);
  }
  const answer = await response.text();
  process.stdout.write(`POST ${target} → ${response.status} ${response.statusText}\n${answer}\n`);
  if (!response.ok) {
    if (response.status === 401) process.stderr.write('igbridge simulate: the service refused the signature: does its IG_APP_SECRET match the one used here?\n');
    process.exit(1);
  }
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error), 1));
