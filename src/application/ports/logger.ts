/**
 * What application code logs through: pino's `Logger` fits it as it is (the composition root
 * passes a pino child logger); declared here so that use cases need no logging library.
 */
export interface Logger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}
