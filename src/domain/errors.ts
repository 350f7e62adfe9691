/** An error the domain can name. `code` is stable: clients and the HTTP layer rely on it. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('invalid_request', message, details);
    this.name = 'ValidationError';
  }
}
