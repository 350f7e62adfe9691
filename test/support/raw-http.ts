import { request } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP request with the path sent exactly as given (fetch would normalise `/./`, `//`
 * and the like before sending), for requests a browser or curl could also make.
 */
export function rawRequest(
  baseUrl: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number },
): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error(`no complete answer to ${options.method ?? 'GET'} ${options.path}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface RawSocket {
  socket: Socket;
  /** Everything the server wrote, once it closed the connection (rejects after `timeoutMs`). */
  closed(timeoutMs?: number): Promise<string>;
  /** Resolves once the server's bytes include `text`. */
  received(text: string, timeoutMs?: number): Promise<string>;
}

/** A bare TCP connection to the service, for requests that stall, stop halfway or are not HTTP. */
export async function openSocket(baseUrl: string, firstBytes?: string | Buffer): Promise<RawSocket> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => {});
  let data = '';
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = () => waiters.forEach((waiter) => waiter());
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString('utf8');
    wake();
  });
  socket.on('close', () => {
    ended = true;
    wake();
  });
  const until = (done: () => boolean, what: string, timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        cleanup();
        resolve(data);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`socket: ${what} not seen within ${timeoutMs} ms (got ${JSON.stringify(data.slice(0, 300))})`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  if (firstBytes !== undefined) socket.write(firstBytes);
  return {
    socket,
    closed: (timeoutMs = 10_000) => until(() => ended, 'close', timeoutMs),
    received: (text, timeoutMs = 10_000) => until(() => data.includes(text), JSON.stringify(text), timeoutMs),
  };
}
