import type { GraphOperation, Metrics } from '../../application/ports/metrics.js';
import type { Config } from '../../config.js';
import { GraphError, metaError } from './graph-error.js';

export interface GraphRequest {
  operation: GraphOperation;
  method: 'GET' | 'POST';
  /** Below the version, e.g. `me/messages` (with `unversioned`, below the base URL). */
  path: string;
  /** The access token to call with: the account's (SPEC §12). */
  token: string;
  /** Meta's token refresh lives at the base URL itself, with the token in the query (`access_token`). */
  unversioned?: boolean;
  query?: Record<string, string>;
  body?: unknown;
  /** Aborts the call (shutdown); the timeout is added here. */
  signal?: AbortSignal;
}

/**
 * One Graph API call with Node's fetch: the caller's token as bearer, JSON in and out, a hard
 * timeout. Every failure becomes a GraphError; the token never appears in one.
 */
export class GraphClient {
  constructor(
    private readonly graph: Config['graph'],
    private readonly metrics: Metrics,
  ) {}

  async call(request: GraphRequest): Promise<Record<string, unknown>> {
    if (request.path.split('/').some((segment) => ['', '.', '..'].includes(segment.replace(/%2e/gi, '.')))) {
      // An id that would move the call elsewhere on the Graph host (`..`, `a/../b`): never sent with the token.
      throw new GraphError('graph_error', `refused to call Graph path "${request.path}": an id in it is not a plain segment`, 'invalid_parameter', null);
    }
    const url = new URL(request.unversioned ? `${this.graph.baseUrl}/${request.path}` : `${this.graph.baseUrl}/${this.graph.version}/${request.path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    if (request.unversioned) url.searchParams.set('access_token', request.token);
    const timeout = AbortSignal.timeout(this.graph.timeoutMs);
    const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let status = 0;
    let text: string;
    try {
      const response = await fetch(url, {
        method: request.method,
        headers: {
          ...(request.unversioned ? {} : { authorization: `Bearer ${request.token}` }),
          accept: 'application/json',
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal,
      });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (timeout.aborted) {
        this.metrics.graphCall(request.operation, 'timeout', seconds());
        throw new GraphError('graph_timeout', `Meta's Graph API did not answer within ${this.graph.timeoutMs / 1000} s`, 'timeout', null);
      }
      this.metrics.graphCall(request.operation, 'error', seconds());
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new GraphError('graph_unreachable', `Meta's Graph API could not be reached: ${cause?.code ?? cause?.message ?? (error as Error).message}`, 'unreachable', null);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const meta = metaError(body);
    if (meta || status < 200 || status >= 300 || typeof body !== 'object' || body === null || Array.isArray(body)) {
      this.metrics.graphCall(request.operation, 'error', seconds());
      if (meta) throw GraphError.fromMeta(meta, status);
      throw new GraphError('graph_error', `Meta's Graph API answered HTTP ${status} with ${body === undefined ? 'a body that is not JSON' : 'JSON without the expected fields'}`, 'invalid_response', null, { http_status: status });
    }
    this.metrics.graphCall(request.operation, 'ok', seconds());
    return body as Record<string, unknown>;
  }
}
