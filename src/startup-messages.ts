import type { Config } from './config.js';

/** One warning line per secret that is not set: what does not work without it, and what to do. */
export function missingSecretWarnings(config: Config): string[] {
  const lines: string[] = [];
  if (config.instagram.appSecrets.length === 0) {
    lines.push('IG_APP_SECRET is not set: every webhook POST is refused (401). Set it in .env to the app secret from the Meta app dashboard (App settings → Basic).');
  }
  if (!config.instagram.verifyToken) {
    lines.push("IG_VERIFY_TOKEN is not set: Meta's webhook verification (GET /webhooks/instagram) is refused (403). Set it in .env to any long random string and enter the same value as the verify token in the Meta app dashboard.");
  }
  if (!config.apiToken) {
    lines.push('API_TOKEN is not set: the inbox and every /api route are refused (401). Set it in .env to a long random string (e.g. the output of openssl rand -hex 24).');
  }
  return lines;
}

/** At start-up with no account at all (no IG_ACCESS_TOKEN, none added with `npm run accounts`). */
export const NO_ACCOUNT_WARNING =
  'IG_ACCESS_TOKEN is not set and no account was added: replies cannot be sent (POST /api/messages answers 503) and usernames are not looked up. ' +
  'Set it in .env to the Instagram access token of the business account, or add accounts with npm run accounts -- add --token <token>.';

/**
 * Why the HTTP server could not listen, in one line with what to do; null for an error this
 * does not know (it is then reported as it is).
 */
export function listenProblem(error: unknown, host: string, port: number): string | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = `${host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the port is already in use (EADDRINUSE). Stop the program using it, or set PORT in .env to a free port.`;
    case 'EACCES':
      return `cannot listen on ${where}: not allowed (EACCES; ports below 1024 need extra rights). Set PORT in .env to 1024 or above.`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: HOST=${host} is not an address of this machine (${code}). Set HOST in .env to 0.0.0.0 (every interface), 127.0.0.1 (this machine only) or one of its own addresses.`;
    default:
      return null;
  }
}
