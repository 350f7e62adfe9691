import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GraphClient } from '../../src/adapters/graph/graph-client.js';
import type { Metrics } from '../../src/application/ports/metrics.js';
import { loadConfig } from '../../src/config.js';
import { FAKE_GRAPH_TOKEN, graphError, startFakeGraph, type FakeGraph } from '../support/fake-graph.js';

type Call = Parameters<Metrics['graphCall']>;

describe('GraphClient', () => {
  let graph: FakeGraph;
  let calls: Call[];
  let client: GraphClient;
  /** Gives up after 0.3 s: only for the call that never gets an answer (a loaded machine may take longer for a real one). */
  let impatient: GraphClient;
  beforeEach(async () => {
    graph = await startFakeGraph();
    calls = [];
    const metrics = { graphCall: (...call: Call) => void calls.push(call) } as unknown as Metrics;
    client = new GraphClient(loadConfig(graph.env).graph, metrics);
    impatient = new GraphClient(loadConfig({ ...graph.env, GRAPH_TIMEOUT_S: '0.3' }).graph, metrics);
  });
  afterEach(async () => {
    await graph.close();
  });

  it('when calls succeed, fail and time out, then each is counted once with its outcome', async () => {
    graph.on('GET', /^ok$/, { json: { id: 'ok' } });
    graph.on('GET', /^refused$/, graphError(4));
    graph.on('GET', /^slow$/, { hang: true });

    await client.call({ operation: 'profile', method: 'GET', path: 'ok', token: FAKE_GRAPH_TOKEN });
    await expect(client.call({ operation: 'send', method: 'GET', path: 'refused', token: FAKE_GRAPH_TOKEN })).rejects.toMatchObject({ code: 'graph_error', reason: 'rate_limited' });
    await expect(impatient.call({ operation: 'send', method: 'GET', path: 'slow', token: FAKE_GRAPH_TOKEN })).rejects.toMatchObject({ code: 'graph_timeout' });

    expect(calls.map(([operation, outcome]) => [operation, outcome])).toEqual([['profile', 'ok'], ['send', 'error'], ['send', 'timeout']]);
    expect(calls.every(([, , seconds]) => seconds >= 0)).toBe(true);
  });

  it('when an id in the path is a dot segment, then the call is refused and nothing reaches the Graph host', async () => {
    for (const path of ['..', '.', '%2e%2E', '1/../me/messages', '']) {
      await expect(client.call({ operation: 'profile', method: 'GET', path, token: FAKE_GRAPH_TOKEN })).rejects.toMatchObject({ code: 'graph_error', reason: 'invalid_parameter' });
    }
    expect(graph.requests).toEqual([]);
  });

  it('when Meta answers an error as a string code, then it is still read as a number', async () => {
    graph.on('GET', /^odd$/, { status: 400, json: { error: { message: 'x', code: '190', fbtrace_id: 'T' } } });

    await expect(client.call({ operation: 'profile', method: 'GET', path: 'odd', token: FAKE_GRAPH_TOKEN })).rejects.toMatchObject({ reason: 'token_invalid', meta: { code: 190 } });
  });
});
