import type Router from '@koa/router';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service.js';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** `METHOD /path` of every route the Koa app's routers hold (HEAD, added for each GET, left out). */
function routesOf(service: TestService): string[] {
  const routers = service.app.middleware
    .map((middleware) => (middleware as { router?: Router }).router)
    .filter((router): router is Router => router !== undefined);
  expect(routers.length).toBeGreaterThan(3);
  const routes = routers.flatMap((router) =>
    router.stack.flatMap((layer) => {
      const path = String(layer.path).replace(/:(\w+)/g, '{$1}');
      return layer.methods.filter((method) => method !== 'HEAD').map((method) => `${method} ${path}`);
    }),
  );
  return [...new Set(routes)].sort();
}

function documented(document: any): string[] {
  return Object.entries(document.paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, item]) => METHODS.filter((method) => item[method]).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

/** Every `$ref` in the document points at something that exists. */
function danglingRefs(document: any): string[] {
  const refs: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === '$ref' && typeof value === 'string') refs.push(value);
        else walk(value);
      }
    }
  };
  walk(document);
  return refs.filter((ref) => {
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<any>((node, part) => node?.[part], document);
    return target === undefined;
  });
}

describe('GET /openapi.json', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  it('when fetched, then it is an OpenAPI 3.1 document whose references all resolve', async () => {
    const response = await fetch(`${service.url}/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const document = (await response.json()) as any;
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: 'igbridge', version: expect.any(String) });
    expect(danglingRefs(document)).toEqual([]);
    for (const [path, item] of Object.entries<any>(document.paths)) {
      for (const method of METHODS.filter((m) => item[m])) {
        expect(Object.keys(item[method].responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(0);
        const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const declared = (item[method].parameters ?? []).filter((p: any) => p.in === 'path').map((p: any) => p.name);
        expect(declared, `${method} ${path}`).toEqual(pathParams);
      }
    }
  });

  it('when a route exists in the app, then the document describes it', async () => {
    const document = (await (await fetch(`${service.url}/openapi.json`)).json()) as any;
    const missing = routesOf(service).filter((route) => !documented(document).includes(route));
    expect(missing, 'routes the OpenAPI document lacks').toEqual([]);
  });

  it('when the document describes a route, then the app has it', async () => {
    const document = (await (await fetch(`${service.url}/openapi.json`)).json()) as any;
    const routes = routesOf(service);
    expect(documented(document).filter((route) => !routes.includes(route))).toEqual([]);
  });

  it('when every /api route is called without a bearer, then each answers 401 as documented', async () => {
    const document = (await (await fetch(`${service.url}/openapi.json`)).json()) as any;
    for (const route of documented(document).filter((r) => r.includes(' /api/'))) {
      const [method, path] = route.split(' ');
      const response = await fetch(`${service.url}${path!.replace(/\{\w+\}/g, 'x')}`, { method });
      expect(response.status, route).toBe(401);
      await response.body?.cancel();
    }
  });
});
