import { connect, type Socket } from 'node:net';

/**
 * The attacker of the security scenarios, run as its own process by bench/security.ts (so its
 * work never shares the bench's event loop): many raw connections that either send webhook
 * bodies and stall, or ask for event streams and hold them. Prints `{"phase":"opened"}` once
 * every connection was attempted, and a JSON summary when it lets go after `holdMs`.
 */
export interface AttackOptions {
  url: string;
  kind: 'slow-bodies' | 'streams';
  connections: number;
  holdMs: number;
  /** slow-bodies: bytes declared and sent (all but the last one). */
  bodyBytes?: number;
  /** slow-bodies: no header, or a well-formed one that cannot match. */
  signature?: 'none' | 'forged';
  /** streams: the API token. */
  token?: string;
}

interface Tally {
  statuses: Record<string, number>;
  closedByServer: number;
  errors: number;
}

function request(options: AttackOptions, body: Buffer): Buffer {
  const { host } = new URL(options.url);
  if (options.kind === 'streams') return Buffer.from(`GET /api/events HTTP/1.1\r\nhost: ${host}\r\nauthorization: Bearer ${options.token}\r\n\r\n`);
  const signature = options.signature === 'forged' ? `x-hub-signature-256: sha256=${'ab'.repeat(32)}\r\n` : '';
  const head = `POST /webhooks/instagram HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\n${signature}content-length: ${body.length + 1}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), body]);
}

async function main(options: AttackOptions): Promise<void> {
  const { hostname, port } = new URL(options.url);
  const payload = request(options, Buffer.alloc(options.kind === 'slow-bodies' ? (options.bodyBytes ?? 1024 * 1024) - 1 : 0, 0x20));
  const tally: Tally = { statuses: {}, closedByServer: 0, errors: 0 };
  const sockets: Socket[] = [];
  let letGo = false;
  const open = () =>
    new Promise<void>((resolve) => {
      const socket = connect(Number(port), hostname);
      sockets.push(socket);
      let first = true;
      socket.on('connect', () => {
        socket.write(payload);
        resolve();
      });
      socket.on('data', (chunk: Buffer) => {
        if (!first) return;
        first = false;
        const status = /^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1'))?.[1] ?? 'other';
        tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
      });
      socket.on('error', () => {
        tally.errors++;
        resolve();
      });
      socket.on('close', () => {
        if (!letGo) tally.closedByServer++;
        resolve();
      });
    });
  // In batches, so the listen backlog is not what refuses them.
  for (let i = 0; i < options.connections; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, options.connections - i) }, open));
  }
  process.stdout.write(`${JSON.stringify({ phase: 'opened' })}\n`);
  await new Promise((resolve) => setTimeout(resolve, options.holdMs));
  letGo = true;
  for (const socket of sockets) socket.destroy();
  process.stdout.write(`${JSON.stringify({ phase: 'done', ...tally })}\n`);
}

if (process.argv[2]) {
  main(JSON.parse(process.argv[2]) as AttackOptions).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`attack: ${(error as Error).stack}\n`);
      process.exit(1);
    },
  );
}
