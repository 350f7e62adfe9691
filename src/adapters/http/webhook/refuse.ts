import type { Validator } from 'typebox/compile';
import { DomainError } from '../../../domain/errors.js';
import { describeError } from '../schemas/problem.js';

/** `400 invalid_payload` naming the first value `validator` refuses in `value` (which sits at `root`). */
export function refuse(validator: Validator, value: unknown, root: string): never {
  const [error] = validator.Errors(value);
  const { path, sentence } = error ? describeError(validator.Type(), error, root) : { path: root, sentence: `${root} is not valid` };
  throw new DomainError('invalid_payload', sentence, { path });
}

export function fail(path: string, problem: string): never {
  throw new DomainError('invalid_payload', `${path} ${problem}`, { path });
}
