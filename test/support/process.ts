import { spawn, type ChildProcess } from 'node:child_process';
import { sign } from '../../src/adapters/http/signature.js';
import { ROOT } from './child-service.js';
import { COMPILED_MAIN } from './compiled.js';

export interface ServiceProcess {
  child: ChildProcess;
  /** Every stdout line so far (pino JSON). */
  lines: string[];
  stderr: () => string;
  url: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `node dist/main.js` (support/compiled.ts; or `nodeArgs`, e.g. another build's main.js) as a real
 * child process, run from the repository, or from `cwd` (where it reads `.env`) as an operator may.
 */
export function spawnService(env: Record<string, string>, nodeArgs = [COMPILED_MAIN], cwd = ROOT): ServiceProcess {
  const child = spawn(process.execPath, nodeArgs, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let buffered = '';
  let resolveUrl: (url: string) => void;
  const url = new Promise<string>((resolve) => (resolveUrl = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      const port = /"port":(\d+).*"msg":"igbridge listening/.exec(line)?.[1];
      if (port) resolveUrl(`http://127.0.0.1:${port}`);
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, lines, stderr: () => stderr, url, exited };
}

/** POSTs `bytes` to a running service's webhook, signed with `secret` as Meta would. */
export function postSignedWebhook(url: string, bytes: Buffer, secret: string): Promise<Response> {
  return fetch(`${url}/webhooks/instagram`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(bytes, secret) },
    body: bytes,
  });
}

export interface TerminalProcess {
  /** The service's pid (not the `script` wrapping it). */
  pid: Promise<number>;
  /** Everything the terminal showed so far, colours and carriage returns removed. */
  screen: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `node dist/main.js` with a real pseudo-terminal as its stdout, as an operator's
 * shell gives it: util-linux `script` allocates the pty and copies what it shows to a pipe
 * read here. The shell that `script` starts prints its pid, then becomes the service (`exec`).
 */
export function spawnServiceInTerminal(env: Record<string, string>): TerminalProcess {
  const command = `echo "pid=$$"; exec '${process.execPath}' '${COMPILED_MAIN}'`;
  const child = spawn('script', ['--quiet', '--flush', '--return', '--command', command, '/dev/null'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, SHELL: '/bin/sh', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let shown = '';
  child.stdout!.on('data', (chunk: Buffer) => (shown += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (shown += chunk.toString('utf8')));
  const screen = () => shown.replace(/\u001b\[[0-9;]*m/g, '').replace(/\r/g, '');
  const pid = new Promise<number>((resolve, reject) => {
    const look = () => {
      const found = /pid=(\d+)/.exec(screen())?.[1];
      if (found) return resolve(Number(found));
      if (child.exitCode !== null) return reject(new Error(`script exited with ${child.exitCode}: ${screen()}`));
      setTimeout(look, 20);
    };
    look();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { pid, screen, exited };
}
