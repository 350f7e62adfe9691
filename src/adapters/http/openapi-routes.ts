import { existsSync, readFileSync } from 'node:fs';
import Router from '@koa/router';
import { EXACT_PATHS } from './route-matching.js';
import { openApiDocument } from './openapi/document.js';

/** The project's version (package.json above src/, or above dist/src/ in a `tsc` build). */
const PACKAGE = [new URL('../../../package.json', import.meta.url), new URL('../../../../package.json', import.meta.url)].find((file) => existsSync(file));
const VERSION = PACKAGE ? (JSON.parse(readFileSync(PACKAGE, 'utf8')) as { version: string }).version : '0.0.0';

/** `GET /openapi.json`: the OpenAPI 3.1 document of every route. */
export function openApiRoutes(): Router {
  const body = JSON.stringify(openApiDocument(VERSION));
  const router = new Router(EXACT_PATHS);
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = body;
  });
  return router;
}
