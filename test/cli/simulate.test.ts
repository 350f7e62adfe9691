import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compiledTool } from '../support/compiled.js';
import { FIXTURE_DIR } from '../support/fixtures.js';
import { startTestService, TEST_SECRET, type TestService } from '../support/service.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run simulate -- …` as a child process (asynchronous: the service answers from this process). */
function simulate(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [compiledTool('simulate'), ...args],
      { cwd: ROOT, env: { ...process.env, IG_APP_SECRET: TEST_SECRET, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A port that was free a moment ago and has nothing listening now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function thread(service: TestService, userId: string): Promise<any[]> {
  return ((await (await service.api(`/api/conversations/${userId}/messages`)).json()) as { messages: any[] }).messages;
}

describe('npm run simulate', () => {
  let service: TestService;
  beforeEach(async () => {
    service = await startTestService();
  });
  afterEach(async () => {
    await service.stop();
  });

  it('when given a text, then it is stored as an inbound message from the test customer and the answer is printed', async () => {
    const run = await simulate(['hello from the simulator', '--url', service.url]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('→ 200');
    expect(run.stdout).toContain('"stored":1');
    const [message] = await thread(service, '6000000000000001');
    expect(message).toMatchObject({ direction: 'in', text: 'hello from the simulator', account_id: '17841400000000001' });
  });

  it('when --echo and --sender are given, then the message is outbound to that customer', async () => {
    const run = await simulate(['on our way', '--echo', '--sender', '6000000000000777', '--url', service.url]);
    expect(run.code).toBe(0);
    expect(await thread(service, '6000000000000777')).toMatchObject([{ direction: 'out', text: 'on our way' }]);
  });

  it('when a fixture file is given, then its exact bytes are posted and stored', async () => {
    const run = await simulate(['--fixture', `${FIXTURE_DIR}f2-unicode-text.json`, '--url', service.url]);
    expect(run.code).toBe(0);
    expect(await thread(service, '6000000000000001')).toMatchObject([{ mid: 'mid.unicode.0001', text: 'Café ❤️' }]);
  });

  it('when the secret differs from the service’s, then the 401 is printed and the exit status is 1', async () => {
    const run = await simulate(['hello', '--url', service.url], { IG_APP_SECRET: 'another-secret' });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('→ 401');
    expect(run.stderr).toContain('IG_APP_SECRET');
  });

  it('when no secret is configured, then it says so and exits 2 without posting', async () => {
    const run = await simulate(['hello', '--url', service.url], { IG_APP_SECRET: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('IG_APP_SECRET is not set');
    expect(await thread(service, '6000000000000001')).toEqual([]);
  });

  it('when the service runs on another port than .env says, then --port reaches it and the URL tried is named either way', async () => {
    const closed = await closedPort();
    const port = new URL(service.url).port;

    const missed = await simulate(['hello'], { PORT: String(closed), HOST: '127.0.0.1' });
    expect(missed.code).toBe(1);
    expect(missed.stderr).toContain(`nothing answered at http://127.0.0.1:${closed}/webhooks/instagram`);
    expect(missed.stderr).toContain('--port');

    const run = await simulate(['hello on another port', '--port', port], { PORT: String(closed), HOST: '127.0.0.1' });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`POST http://127.0.0.1:${port}/webhooks/instagram → 200`);
    expect(await thread(service, '6000000000000001')).toMatchObject([{ text: 'hello on another port' }]);
  });

  it('when nothing listens at the URL, then it says so clearly and exits 1', async () => {
    const closed = await closedPort();
    const run = await simulate(['hello', '--url', `http://127.0.0.1:${closed}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`nothing answered at http://127.0.0.1:${closed}/webhooks/instagram (ECONNREFUSED)`);
    expect(run.stderr).toContain('make run');
  });
});
