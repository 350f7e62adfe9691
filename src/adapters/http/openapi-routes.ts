import { readFileSync } from 'node:fs';
import Router from '@koa/router';
import { openApiDocument } from './openapi/document.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** `GET /openapi.json`: the OpenAPI 3.1 document of every route. */
export function openApiRoutes(): Router {
  const body = JSON.stringify(openApiDocument(VERSION));
  const router = new Router();
  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = body;
  });
  return router;
}
