import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Paths that may hold a secret: pino replaces their values before anything is written. */
const REDACT = [
  'password', '*.password', 'token', '*.token', 'accessToken', '*.accessToken', 'secret', '*.secret',
  'appSecrets', '*.appSecrets', 'apiToken', '*.apiToken', 'verifyToken', '*.verifyToken',
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization',
  'req.headers["x-hub-signature-256"]', 'headers["x-hub-signature-256"]',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'igbridge' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/**
 * Where the service's log goes: JSON lines on stdout (for collectors), or — `pretty`, e.g. on a
 * terminal — one readable, coloured line per entry, written synchronously (same content,
 * secrets redacted before formatting).
 */
export function logDestination(format: 'json' | 'pretty'): DestinationStream | undefined {
  if (format === 'json') return undefined;
  return pretty({ sync: true, colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', singleLine: true });
}
