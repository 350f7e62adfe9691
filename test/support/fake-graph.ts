import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeInbox } from './fake-inbox.js';

/**
 * A fake of Meta's Graph API: a real HTTP server on 127.0.0.1 (port 0) that speaks the
 * documented formats of the Instagram Send API and the profile look-up.
 *
 *   const graph = await startFakeGraph();
 *   const service = await startTestService(graph.env);      // GRAPH_API_URL, IG_ACCESS_TOKEN, IG_ACCOUNT_ID
 *   (both at once, stopped together: graphTest / startWithGraph in graph-service.ts)
 *   graph.setProfile('6000000000000001', { username: 'alice', name: 'Alice' });
 *   graph.nextSend(graphError(190));                        // script the next send's answer
 *   ...
 *   expect(graph.sends()[0].body).toEqual({ recipient: { id: '…' }, message: { text: '…' } });
 *   await graph.close();
 *
 * The Conversations API (SPEC §11) is served from `graph.inbox` (see fake-inbox.ts):
 *   graph.inbox.add({ id: 'conv1', customer: { id: '6000000000000001', username: 'alice' }, messages: [...] });
 *
 * Accounts and tokens (SPEC §12): the fake knows the default account (FAKE_ACCOUNT_ID, token
 * FAKE_GRAPH_TOKEN) and any added with `addAccount`; `GET /me` names the token's account,
 * `GET /refresh_access_token` gives a new token (`<old>.r<n>`, the old one stays valid) and
 * `revoke(token)` makes every call with it answer 190:
 *   graph.addAccount({ id: '17841400000000002', username: 'acme.outlet', token: 'second-token' });
 *   expect(graph.sends()[0].token).toBe('second-token');
 *
 * Every request is recorded with the token it carried. Unscripted sends succeed with
 * `{recipient_id, message_id}`; unknown profiles fail as Meta does for a user who gave no
 * consent. A request with a token the fake does not know (or revoked) gets Meta's code 190.
 */

export const FAKE_GRAPH_TOKEN = 'fake-graph-access-token';
export const FAKE_ACCOUNT_ID = '17841400000000001';

export interface RecordedRequest {
  method: string;
  /** The full path, e.g. `/v24.0/17841400000000001/messages`. */
  path: string;
  /** The version segment (`v24.0`), null when the path has none. */
  version: string | null;
  /** The path below the version, e.g. `17841400000000001/messages`. */
  endpoint: string;
  /** The `Authorization` header as sent (undefined when absent). */
  authorization: string | undefined;
  /** The access token the call carried (bearer header, or the `access_token` query parameter). */
  token: string | undefined;
  query: Record<string, string>;
  contentType: string | undefined;
  /** The parsed JSON body; undefined when there was none or it was not JSON. */
  body: unknown;
  rawBody: string;
  /** When it arrived (ms since the epoch): the history budget test counts calls per second. */
  receivedAt: number;
}

/** How the fake answers one request. */
export type FakeAnswer =
  | { status?: number; json: unknown; delayMs?: number }
  /** Any bytes, e.g. an HTML error page from a proxy. */
  | { status?: number; raw: string; contentType?: string }
  /** Never answers (until the fake closes): for timeouts. */
  | { hang: true }
  /** Closes the connection without an answer. */
  | { drop: true };

export interface FakeProfile {
  username?: string;
  name?: string;
}

/** Meta's error envelope, with realistic defaults per code. */
export function graphError(
  code: number,
  options: { subcode?: number; message?: string; type?: string; status?: number; fbtraceId?: string } = {},
): FakeAnswer {
  const defaults: Record<number, { message: string; type: string; status: number }> = {
    1: { message: 'An unknown error occurred', type: 'OAuthException', status: 500 },
    2: { message: 'An unexpected error has occurred. Please retry your request later.', type: 'OAuthException', status: 503 },
    4: { message: 'Application request limit reached', type: 'OAuthException', status: 400 },
    10: { message: 'This message is sent outside of allowed window.', type: 'OAuthException', status: 400 },
    17: { message: 'User request limit reached', type: 'OAuthException', status: 400 },
    100: { message: 'Invalid parameter', type: 'IGApiException', status: 400 },
    190: { message: 'Error validating access token: Session has expired.', type: 'OAuthException', status: 401 },
    613: { message: 'Calls to this api have exceeded the rate limit.', type: 'OAuthException', status: 400 },
  };
  const known = defaults[code] ?? { message: 'Graph error', type: 'OAuthException', status: 400 };
  return {
    status: options.status ?? known.status,
    json: {
      error: {
        message: options.message ?? known.message,
        type: options.type ?? known.type,
        code,
        ...(options.subcode === undefined ? {} : { error_subcode: options.subcode }),
        fbtrace_id: options.fbtraceId ?? `AbCdEf${code}${options.subcode ?? ''}`,
      },
    },
  };
}

/** An Instagram account the fake knows, with its valid tokens. */
export interface FakeAccount {
  id: string;
  username: string;
  token: string;
}

export class FakeGraph {
  readonly requests: RecordedRequest[] = [];
  /** Valid tokens → the account they belong to. */
  private readonly tokens = new Map<string, { id: string; username: string }>();
  private readonly refreshQueue: FakeAnswer[] = [];
  private refreshes = 0;
  private readonly sendQueue: FakeAnswer[] = [];
  private readonly profiles = new Map<string, FakeAnswer[] | FakeProfile>();
  private readonly hanging = new Set<ServerResponse>();
  private readonly custom: Array<{ method: string; endpoint: RegExp; answer: (request: RecordedRequest) => FakeAnswer }> = [];
  private sequence = 0;
  /** Meta's Conversations API: conversations, their messages and message details. */
  readonly inbox: FakeInbox;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly token: string,
  ) {
    this.inbox = new FakeInbox(FAKE_ACCOUNT_ID, 'acme.shop', url);
    this.tokens.set(token, { id: FAKE_ACCOUNT_ID, username: 'acme.shop' });
  }

  /** Another account, with a token of its own (its sends go to `POST /{v}/{id}/messages`). */
  addAccount(account: FakeAccount): this {
    this.tokens.set(account.token, { id: account.id, username: account.username });
    return this;
  }

  /** Meta stops accepting this token: every call with it answers 190. */
  revoke(token: string): this {
    this.tokens.delete(token);
    return this;
  }

  /** Answer the next `refresh_access_token` call with this (instead of a new token). */
  nextRefresh(answer: FakeAnswer): this {
    this.refreshQueue.push(answer);
    return this;
  }

  /** `GET /refresh_access_token` requests. */
  refreshRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.endpoint === 'refresh_access_token');
  }

  /** `GET /{v}/me` requests. */
  meRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && r.endpoint === 'me');
  }

  static async start(options: { token?: string } = {}): Promise<FakeGraph> {
    let fake: FakeGraph | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    fake = new FakeGraph(server, `http://127.0.0.1:${port}`, options.token ?? FAKE_GRAPH_TOKEN);
    return fake;
  }

  /** The service's environment for this fake. */
  get env(): Record<string, string> {
    return { GRAPH_API_URL: this.url, IG_ACCESS_TOKEN: this.token, IG_ACCOUNT_ID: FAKE_ACCOUNT_ID };
  }

  /** Answer the next send (the next after that, in order, when called again). */
  nextSend(answer: FakeAnswer): this {
    this.sendQueue.push(answer);
    return this;
  }

  /** A profile the look-up finds. */
  setProfile(igsid: string, profile: FakeProfile): this {
    this.profiles.set(igsid, profile);
    return this;
  }

  /** Answers for this user's profile look-ups, one per request; the last one repeats. */
  profileAnswers(igsid: string, ...answers: FakeAnswer[]): this {
    this.profiles.set(igsid, answers);
    return this;
  }

  /**
   * Any other Graph endpoint (matched on the path below the version, before the built-in
   * ones), e.g. `graph.on('GET', /^me$/, () => ({ json: { user_id: FAKE_ACCOUNT_ID } }))`.
   */
  on(method: string, endpoint: RegExp, answer: FakeAnswer | ((request: RecordedRequest) => FakeAnswer)): this {
    this.custom.push({ method: method.toUpperCase(), endpoint, answer: typeof answer === 'function' ? answer : () => answer });
    return this;
  }

  /** `POST …/messages` requests. */
  sends(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && /(^|\/)messages$/.test(r.endpoint));
  }

  /** Profile look-ups (`GET /{version}/{IGSID}`), optionally for one user. */
  profileRequests(igsid?: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && !r.endpoint.includes('/') && !this.inbox.owns(r.endpoint) && (igsid === undefined || r.endpoint === igsid));
  }

  /** Conversations API requests (conversations, messages, message details). */
  historyRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'GET' && this.inbox.owns(r.endpoint));
  }

  /** The most requests matching `filter` that arrived within any one second. */
  maxPerSecond(filter: (r: RecordedRequest) => boolean = (r) => this.inbox.owns(r.endpoint)): number {
    const times = this.requests.filter(filter).map((r) => r.receivedAt).sort((a, b) => a - b);
    let best = 0;
    for (let i = 0, j = 0; j < times.length; j++) {
      while (times[j]! - times[i]! >= 1000) i++;
      best = Math.max(best, j - i + 1);
    }
    return best;
  }

  /** Resolves once `count` requests matching `filter` have arrived (bounded by `timeoutMs`). */
  async waitFor(filter: (r: RecordedRequest) => boolean, count = 1, timeoutMs = 5000): Promise<RecordedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const matching = this.requests.filter(filter);
      if (matching.length >= count) return matching;
      if (Date.now() > deadline) throw new Error(`fake Graph: expected ${count} matching request(s), saw ${matching.length} in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  reset(): void {
    this.requests.length = 0;
    this.sendQueue.length = 0;
    this.profiles.clear();
    this.custom.length = 0;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const match = /^\/(v\d+\.\d+)\/(.*)$/.exec(url.pathname);
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = undefined;
    }
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      version: match?.[1] ?? null,
      endpoint: decodeURIComponent(match?.[2] ?? url.pathname.slice(1)),
      authorization: req.headers.authorization,
      token: req.headers.authorization?.replace(/^Bearer\s+/i, '') ?? url.searchParams.get('access_token') ?? undefined,
      query: Object.fromEntries(url.searchParams),
      contentType: req.headers['content-type'],
      body,
      rawBody,
      receivedAt: Date.now(),
    };
    this.requests.push(request);
    this.answer(res, this.route(request));
  }

  private route(request: RecordedRequest): FakeAnswer {
    const owner = request.token === undefined ? undefined : this.tokens.get(request.token);
    if (request.method === 'GET' && request.path === '/refresh_access_token') {
      if (request.query.grant_type !== 'ig_refresh_token') return graphError(100, { message: 'Invalid grant_type' });
      if (!owner) return graphError(190, { message: 'Invalid OAuth access token - Cannot parse access token' });
      const scripted = this.refreshQueue.shift();
      if (scripted) return scripted;
      const fresh = `${request.token!.replace(/\.r\d+$/, '')}.r${++this.refreshes}`;
      this.tokens.set(fresh, owner);
      return { json: { access_token: fresh, token_type: 'bearer', expires_in: 5_184_000 } };
    }
    if (!request.version) return graphError(100, { message: 'Unknown path components', type: 'OAuthException', status: 400 });
    if (!owner) return graphError(190, { message: 'Invalid OAuth access token - Cannot parse access token' });
    const custom = this.custom.find((c) => c.method === request.method && c.endpoint.test(request.endpoint));
    if (custom) return custom.answer(request);
    if (request.method === 'GET' && request.endpoint === 'me') {
      return { json: { user_id: owner.id, username: owner.username, id: `91${owner.id.slice(2)}` } };
    }
    const history = this.inbox.route(request);
    if (history) return history;
    if (request.method === 'POST' && /^[^/]+\/messages$/.test(request.endpoint)) {
      // Meta sends only from the account the token belongs to.
      const from = request.endpoint.split('/')[0];
      if (from !== 'me' && from !== owner.id) return graphError(100, { message: `Object with ID '${from}' does not exist, cannot be loaded due to missing permissions, or does not support this operation` });
      const scripted = this.sendQueue.shift();
      if (scripted) return scripted;
      const recipient = (request.body as { recipient?: { id?: unknown } } | undefined)?.recipient?.id;
      if (typeof recipient !== 'string') return graphError(100, { message: 'The parameter recipient is required' });
      return { json: { recipient_id: recipient, message_id: `aWdfZAG1faXRlbTpmYWtl${++this.sequence}` } };
    }
    if (request.method === 'GET' && !request.endpoint.includes('/')) {
      const known = this.profiles.get(request.endpoint);
      if (Array.isArray(known)) return known.length > 1 ? known.shift()! : known[0]!;
      if (known) {
        const fields = (request.query.fields ?? 'id').split(',');
        const all: Record<string, unknown> = { id: request.endpoint, ...known };
        return { json: Object.fromEntries(Object.entries(all).filter(([key]) => key === 'id' || fields.includes(key))) };
      }
      return graphError(230, { message: 'User consent is required to access user profile', type: 'IGApiException', status: 400 });
    }
    return graphError(100, { message: `Unsupported ${request.method} request.`, status: 400 });
  }

  private answer(res: ServerResponse, answer: FakeAnswer): void {
    if ('hang' in answer) {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if ('drop' in answer) {
      res.socket?.destroy();
      return;
    }
    if ('raw' in answer) {
      res.writeHead(answer.status ?? 502, { 'content-type': answer.contentType ?? 'text/html' });
      res.end(answer.raw);
      return;
    }
    const send = () => {
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(answer.json));
    };
    if (answer.delayMs) setTimeout(send, answer.delayMs);
    else send();
  }
}

export const startFakeGraph = (options?: { token?: string }) => FakeGraph.start(options);
