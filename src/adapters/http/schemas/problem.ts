import type { TLocalizedValidationError } from 'typebox/error';

/**
 * The first thing a schema refuses in a value, as a sentence naming its path
 * (`entry[0].messaging[2].sender.id must be a Meta id (1 to 32 ASCII digits)`). A schema with
 * an `errorMessage` speaks for everything below it; otherwise TypeBox's keyword is worded here.
 * Only called once a check failed: never on the hot path.
 */
export interface Problem {
  /** `entry[0].messaging[2].sender.id`; the root is `root`. */
  path: string;
  /** What is wrong with it (`must be …`). */
  message: string;
  /** Both as one sentence, for the error answer. */
  sentence: string;
}

/**
 * `errorMessage` (as ajv-errors spells it): a string speaks for the schema and everything
 * below it; an object speaks for the schema's own keywords only (`{ type: 'must be a JSON object' }`).
 */
type Node = { [key: string]: unknown; errorMessage?: string | Record<string, string>; description?: string };

/** JSON pointer segments → `a[0].b`, starting from `base` (which may be empty). */
export function readablePath(base: string, segments: string[]): string {
  let path = base;
  for (const segment of segments) path += /^\d+$/.test(segment) ? `[${segment}]` : path === '' ? segment : `.${segment}`;
  return path;
}

const pointer = (value: string) => (value === '' ? [] : value.split('/').slice(1).map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~')));

export function describeError(schema: object, error: TLocalizedValidationError, root = 'body'): Problem {
  const instance = pointer(error.instancePath);
  const steps = pointer(error.schemaPath.replace(/^#/, ''));
  let node = schema as Node;
  let parent: Node | null = null;
  let consumed = 0;
  let outer: { consumed: number; message: string } | null = typeof node.errorMessage === 'string' ? { consumed, message: node.errorMessage } : null;
  for (let i = 0; i < steps.length && !outer; i++) {
    const step = steps[i]!;
    parent = node;
    if (step === 'properties' || step === 'anyOf' || step === 'oneOf' || step === 'allOf' || step === 'prefixItems') {
      const key = steps[++i]!;
      node = (node[step] as Record<string, Node>)[key]!;
      if (step === 'properties' || step === 'prefixItems') consumed++;
    } else {
      node = node[step] as Node;
      if (step === 'items' || step === 'additionalProperties') consumed++;
    }
    if (typeof node?.errorMessage === 'string') outer = { consumed, message: node.errorMessage };
  }
  // Paths inside the body read from its top (`entry[0]…`); a sub-document's from its own path.
  const at = (segments: string[]) => (segments.length === 0 ? root : readablePath(root === 'body' ? '' : root, segments));
  if (outer) return problem(at(instance.slice(0, outer.consumed)), outer.message);
  if (error.keyword === 'required') {
    const missing = error.params.requiredProperties[0]!;
    const property = ((node?.properties ?? {}) as Record<string, Node>)[missing];
    return problem(at([...instance, missing]), property?.description ? `is required (${property.description})` : 'is required');
  }
  if (steps.at(-1) === 'additionalProperties' && error.keyword === 'boolean') {
    // `additionalProperties: false` refused a field: TypeBox names it in the instance path.
    const path = at(instance);
    const allowed = Object.keys((parent?.properties ?? {}) as object).join(', ');
    return { path, message: 'is not a known field', sentence: `unknown field ${path} (allowed: ${allowed})` };
  }
  const own = typeof node?.errorMessage === 'object' ? node.errorMessage[error.keyword] : undefined;
  return problem(at(instance), own ?? wording(error));
}

const problem = (path: string, message: string): Problem => ({ path, message, sentence: `${path} ${message}` });

function wording(error: TLocalizedValidationError): string {
  switch (error.keyword) {
    case 'type': {
      const types = [error.params.type].flat().map((type) => TYPE_WORDS[type] ?? type);
      return `must be ${types.join(' or ')}`;
    }
    case 'maxLength':
      return `must be at most ${error.params.limit} characters`;
    case 'minLength':
      return error.params.limit === 1 ? 'must not be empty' : `must be at least ${error.params.limit} characters`;
    case 'maximum':
      return `must be at most ${error.params.limit}`;
    case 'minimum':
      return `must be at least ${error.params.limit}`;
    case 'const':
      return `must be ${JSON.stringify(error.params.allowedValue)}`;
    case 'enum':
      return `must be one of ${error.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case '~refine':
      return error.params.message;
    default:
      return error.message;
  }
}

const TYPE_WORDS: Record<string, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};
