import { pino, type DestinationStream, type Logger } from 'pino';

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
