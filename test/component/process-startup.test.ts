import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnService, spawnServiceInTerminal, type ServiceProcess } from '../support/process.js';
import { waitFor } from '../support/wait.js';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'igbridge-start-')), 'db.sqlite');

/** stderr must be one line (plus its newline), with no stack trace. */
function oneLine(stderr: string): string {
  expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return stderr.trim();
}

describe('what the service says when it starts', () => {
  let service: ServiceProcess | undefined;
  let blocker: Server | undefined;
  afterEach(async () => {
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    service = undefined;
    await new Promise((resolve) => (blocker ? blocker.close(resolve) : resolve(undefined)));
    blocker = undefined;
  });

  it('when every secret is missing, then one warning per secret says what fails and what to do, and the start-up line names the inbox and API_TOKEN', async () => {
    service = spawnService({ SQLITE_PATH: tempDb() });
    const url = await service.url;
    const lines = service.lines.map((line) => JSON.parse(line) as { level: number; msg: string; inbox?: string });

    const warnings = lines.filter((line) => line.level === 40).map((line) => line.msg);
    for (const [variable, effect] of [
      ['IG_APP_SECRET', 'webhook POST is refused'],
      ['IG_VERIFY_TOKEN', 'GET /webhooks/instagram) is refused (403)'],
      ['API_TOKEN', 'every /api route are refused'],
      ['IG_ACCESS_TOKEN', 'replies cannot be sent'],
    ]) {
      const said = warnings.filter((msg) => msg.startsWith(`${variable} is not set`));
      expect(said, variable).toHaveLength(1);
      expect(said[0]).toContain(effect);
      expect(said[0]).toContain('Set it in .env');
    }
    const listening = lines.find((line) => line.msg.startsWith('igbridge listening'))!;
    expect(listening.msg).toContain(`the inbox is at ${url}/`);
    expect(listening.msg).toContain('API_TOKEN in .env');
    expect(listening.inbox).toBe(`${url}/`);
  });

  it('when LOG_FORMAT=pretty, then the log is readable lines instead of JSON; an unknown LOG_FORMAT stops start-up naming it', async () => {
    service = spawnService({ SQLITE_PATH: tempDb(), LOG_FORMAT: 'pretty', API_TOKEN: 'pretty-token' });
    await waitFor(async () => service!.lines.some((line) => line.includes('igbridge listening on')), 'the start-up line');
    const listening = service.lines.find((line) => line.includes('igbridge listening on'))!;
    expect(listening).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] .*INFO.*: .*igbridge listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(() => JSON.parse(listening)).toThrow();
    expect(service.lines.join('\n')).not.toContain('pretty-token');

    const invalid = spawnService({ SQLITE_PATH: tempDb(), LOG_FORMAT: 'xml' });
    expect((await invalid.exited).code).toBe(2);
    expect(invalid.stderr()).toContain('LOG_FORMAT: must be json or pretty');
  });

  it('when stdout is a terminal (a real pty), then the log is readable lines; when it is a pipe, JSON lines (LOG_FORMAT unset)', async () => {
    const terminal = spawnServiceInTerminal({ SQLITE_PATH: tempDb(), API_TOKEN: 'terminal-token' });
    const pid = await terminal.pid;
    try {
      await waitFor(() => terminal.screen().includes('igbridge listening on'), 'the start-up line on the terminal');
    } finally {
      process.kill(pid, 'SIGTERM');
    }
    expect(await terminal.exited).toEqual({ code: 0, signal: null });
    const shown = terminal.screen().split('\n').filter((line) => line.startsWith('['));
    const listening = shown.find((line) => line.includes('igbridge listening on'))!;
    expect(listening).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: igbridge listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(shown.some((line) => /^\[[\d:.]+\] WARN: IG_APP_SECRET is not set/.test(line))).toBe(true);
    expect(shown.find((line) => line.includes('shutting down'))).toMatch(/INFO: shutting down/);
    expect(shown.filter((line) => line.trimStart().startsWith('{'))).toEqual([]);
    expect(terminal.screen()).not.toContain('terminal-token');

    service = spawnService({ SQLITE_PATH: tempDb() });
    await service.url;
    const piped = service.lines.find((line) => line.includes('igbridge listening on'))!;
    expect(JSON.parse(piped)).toMatchObject({ level: 30, msg: expect.stringMatching(/^igbridge listening on/) });
  });

  it('when the port is taken, then start-up fails with one line naming EADDRINUSE and PORT', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;

    service = spawnService({ SQLITE_PATH: tempDb(), PORT: String(port) });
    expect((await service.exited).code).toBe(1);
    const line = oneLine(service.stderr());
    expect(line).toBe(`igbridge: cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE). Stop the program using it, or set PORT in .env to a free port.`);
  });

  it('when HOST is not an address of this machine, then start-up fails with one line naming HOST', async () => {
    service = spawnService({ SQLITE_PATH: tempDb(), HOST: 'no-such-host.invalid' });
    expect((await service.exited).code).toBe(1);
    const line = oneLine(service.stderr());
    expect(line).toMatch(/^igbridge: cannot listen on no-such-host\.invalid:0: HOST=no-such-host\.invalid is not an address of this machine \((ENOTFOUND|EAI_AGAIN|EAI_FAIL)\)\. Set HOST in \.env to 0\.0\.0\.0/);
  });
});
