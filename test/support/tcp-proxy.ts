import { createServer, connect, type Server, type Socket } from 'node:net';

/** `hang`: new connections are accepted and never answered; `freeze`: that, and open connections carry nothing until `thaw()` (a network partition: TCP keeps the bytes). */
export type ProxyMode = 'pass' | 'hang' | 'freeze';

/**
 * A TCP proxy in front of the real MySQL server, to make the CRM misbehave on demand:
 * - `pass`: forwards both ways;
 * - `hang`: accepts connections and never answers (a CRM that hangs);
 * - `stop()` then `listen()` again on the same port: connection refused meanwhile;
 * - `cutReplyTo(text)`: the next statement containing `text` reaches the server (and commits),
 *   its answer is swallowed and the client's connection is cut (an ambiguous failure).
 */
export class TcpProxy {
  mode: ProxyMode = 'pass';
  /** Sockets accepted in `hang` mode that are still open. */
  readonly hanging = new Set<Socket>();
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private cut: { text: string; done: () => void } | undefined;
  /** Writes held back while frozen, in order. */
  private readonly held: Array<() => void> = [];

  private constructor(readonly port: number, private readonly target: { host: string; port: number }) {}

  static async start(target: { host: string; port: number }, mode: ProxyMode = 'pass'): Promise<TcpProxy> {
    const port = await freePort();
    const proxy = new TcpProxy(port, target);
    proxy.mode = mode;
    await proxy.listen();
    return proxy;
  }

  /** A proxy that is not listening yet: its port refuses connections until `listen()`. */
  static async refusing(target: { host: string; port: number }): Promise<TcpProxy> {
    return new TcpProxy(await freePort(), target);
  }

  async listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.server = server;
  }

  /** Open connections carry their bytes again (those held during the freeze first); new ones pass. */
  thaw(): void {
    this.mode = 'pass';
    for (const flush of this.held.splice(0)) flush();
  }

  /** Resolves when a statement containing `text` was answered by the server and that answer dropped. */
  cutReplyTo(text: string): Promise<void> {
    return new Promise((resolve) => (this.cut = { text, done: resolve }));
  }

  /** Stops listening and drops every connection. */
  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    this.hanging.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => {
      this.sockets.delete(client);
      this.hanging.delete(client);
    });
    client.on('error', () => {});
    if (this.mode === 'hang' || this.mode === 'freeze') {
      this.hanging.add(client);
      return;
    }
    const upstream = connect(this.target.port, this.target.host);
    this.sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('close', () => upstream.destroy());
    let cutting: { text: string; done: () => void } | undefined;
    client.on('data', (chunk) => {
      if (this.mode === 'freeze') return void this.held.push(() => upstream.write(chunk));
      if (this.cut && chunk.toString('utf8').includes(this.cut.text)) {
        cutting = this.cut;
        this.cut = undefined;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (this.mode === 'freeze') return void this.held.push(() => client.write(chunk));
      if (cutting) {
        // The server answered: the statement is done. The client never hears of it.
        client.destroy();
        upstream.destroy();
        cutting.done();
        return;
      }
      client.write(chunk);
    });
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
