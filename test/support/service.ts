import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sign } from '../../src/adapters/http/signature.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { ContainerOptions } from '../../src/container.js';
import { createLogger } from '../../src/logger.js';
import { startService, type RunningService } from '../../src/server.js';
import { LogCapture } from './log-capture.js';

export const TEST_SECRET = 'test_app_secret';
export const TEST_API_TOKEN = 'test-api-token';
export const TEST_VERIFY_TOKEN = 'test-verify-token';

export interface TestService extends RunningService {
  config: Config;
  logs: LogCapture;
  sqlitePath: string;
  /** POSTs a webhook body signed with the test secret (or as `headers` say). */
  webhook(body: string | Buffer | object, headers?: Record<string, string>): Promise<Response>;
  /** Calls the API with the bearer token. */
  api(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/** The real service on port 0 with a fresh SQLite file in its own temp folder. */
export async function startTestService(env: Record<string, string> = {}, options: ContainerOptions = {}): Promise<TestService> {
  const dir = mkdtempSync(join(tmpdir(), 'igbridge-test-'));
  const sqlitePath = env.SQLITE_PATH ?? join(dir, 'igbridge.db');
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    SQLITE_PATH: sqlitePath,
    IG_APP_SECRET: TEST_SECRET,
    IG_VERIFY_TOKEN: TEST_VERIFY_TOKEN,
    API_TOKEN: TEST_API_TOKEN,
    LOG_LEVEL: 'debug',
    GRAPH_API_URL: 'http://127.0.0.1:9',
    ...env,
  });
  const logs = new LogCapture();
  const service = await startService(config, createLogger(config.logLevel, logs), options);
  return {
    ...service,
    config,
    logs,
    sqlitePath,
    webhook: (body, headers = {}) => {
      const bytes = typeof body === 'string' || Buffer.isBuffer(body) ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
      return fetch(`${service.url}/webhooks/instagram`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(bytes, TEST_SECRET), ...headers },
        body: bytes,
      });
    },
    api: (path, init = {}) =>
      fetch(`${service.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${TEST_API_TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
      }),
    stop: async () => {
      await service.close(2_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
