import { it } from 'vitest';
import type { ContainerOptions } from '../../src/container.js';
import { startFakeGraph, type FakeGraph } from './fake-graph.js';
import { startTestService, type TestService } from './service.js';

/** The fake Graph API and the service pointed at it. */
export interface GraphService {
  graph: FakeGraph;
  service: TestService;
  /** Stops the service, then the fake. */
  stop(): Promise<void>;
}

/**
 * A fake Graph API, then the service pointed at it (`graph.env`: GRAPH_API_URL, IG_ACCESS_TOKEN,
 * IG_ACCOUNT_ID), with `env` on top:
 *
 *   const { graph, service, stop } = await startWithGraph({ GRAPH_TIMEOUT_S: '0.3' });
 *   try { … } finally { await stop(); }
 */
export async function startWithGraph(env: Record<string, string> = {}, options: ContainerOptions = {}): Promise<GraphService> {
  const graph = await startFakeGraph();
  let service: TestService;
  try {
    service = await startTestService({ ...graph.env, ...env }, options);
  } catch (error) {
    await graph.close();
    throw error;
  }
  return {
    graph,
    service,
    stop: async () => {
      await service.stop();
      await graph.close();
    },
  };
}

/**
 * `it` with `graph` and `service` fixtures from `startWithGraph(env)`: a fresh pair for each
 * test (`scope: 'test'`) or one shared by the file's tests (`'file'`), stopped after.
 *
 *   const test = graphTest({ API_ALLOWED_ORIGINS: 'https://crm.example.com' });
 *   test('when …, then …', async ({ graph, service }) => { … });
 */
export function graphTest(env: Record<string, string> = {}, scope: 'test' | 'file' = 'test') {
  return it.extend<{ running: GraphService; graph: FakeGraph; service: TestService }>({
    running: [
      // vitest reads this empty pattern to know the fixture depends on nothing.
      async ({}, use) => {
        const running = await startWithGraph(env);
        await use(running);
        await running.stop();
      },
      { scope },
    ],
    graph: async ({ running }, use) => use(running.graph),
    service: async ({ running }, use) => use(running.service),
  });
}
