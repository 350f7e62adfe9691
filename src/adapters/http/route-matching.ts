import type { RouterOptions } from '@koa/router';

/**
 * How every router matches paths: exactly. Case-sensitive (`/API/...` is 404, never a way
 * around the bearer) and strict (no trailing `/` variant of a route).
 */
export const EXACT_PATHS: RouterOptions = { sensitive: true, strict: true };
