import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { textMessages } from '../support/instagram-events.js';
import { metricValue } from '../support/metrics.js';
import { openSocket } from '../support/raw-http.js';
import { startTestService, TEST_SECRET, type TestService } from '../support/service.js';
import { sign } from '../../src/adapters/http/signature.js';
import { storedCount } from '../support/sqlite-rows.js';
import { waitFor } from '../support/wait.js';

const ERROR = 50;
const WARN = 40;

async function webhookStatuses(service: TestService): Promise<string[]> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  return text.split('\n').filter((line) => line.startsWith('igbridge_webhook_requests_total{'));
}

/** Finding 5: garbage HTTP logged an error, a stack trace on stderr, and counted as a 500. */
describe('security: malformed HTTP', () => {
  let service: TestService;
  let stderr: string[];
  beforeEach(async () => {
    service = await startTestService();
    stderr = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void stderr.push(args.map(String).join(' ')));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await service.stop();
  });

  it('when the request line is garbage, then 400 as JSON, one structured warn line and no stack trace', async () => {
    const raw = await openSocket(service.url, 'GARBAGE \x01\x02 nonsense\r\n\r\n');
    const answer = await raw.closed(5_000);

    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toContain('"malformed_request"');
    const warned = service.logs.matching('malformed HTTP request refused');
    expect(warned).toHaveLength(1);
    expect(warned[0]!.level).toBe(WARN);
    expect(warned[0]!.code).toBe('HPE_INVALID_METHOD');
    expect(service.logs.lines.filter((line) => line.level >= ERROR)).toEqual([]);
    expect(stderr).toEqual([]);
  });

  it('when garbage requests keep coming, then each is a 400 and counted, and the log says so once, with how many', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, async () => (await openSocket(service.url, 'GARBAGE \x01\x02 nonsense\r\n\r\n')).closed(5_000)));

    expect(answers.every((answer) => /^HTTP\/1\.1 400 /.test(answer))).toBe(true);
    expect(await metricValue(service.url, 'igbridge_limit_refusals_total{code="malformed_request"}')).toBe(30);
    const warned = service.logs.matching('malformed HTTP request refused');
    expect(warned.map((line) => [line.level, line.refusals])).toEqual([[WARN, 1]]);
    expect(service.logs.lines.filter((line) => line.level >= ERROR)).toEqual([]);
  });

  it('when a signed webhook body is cut off halfway, then it is not a 500: no error line, no stack trace, nothing stored', async () => {
    const body = textMessages([{ mid: 'mid.cut', text: 'cut off' }]);
    const head =
      `POST /webhooks/instagram HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n` +
      `x-hub-signature-256: ${sign(Buffer.from(body), TEST_SECRET)}\r\ncontent-length: ${body.length}\r\n\r\n`;
    const raw = await openSocket(service.url, head + body.slice(0, 40));
    raw.socket.end();
    await raw.closed(5_000);

    const statuses = await waitFor(async () => {
      const lines = await webhookStatuses(service);
      return lines.length > 0 ? lines : null;
    }, 'the cut-off webhook counted');
    expect(statuses).toEqual(['igbridge_webhook_requests_total{status="400"} 1']);
    expect(storedCount(service.sqlitePath)).toBe(0);
    expect(service.logs.lines.filter((line) => line.level >= ERROR)).toEqual([]);
    expect(stderr).toEqual([]);
  });

  it('when the headers are cut off, then the connection just closes, with nothing logged at error level', async () => {
    const raw = await openSocket(service.url, 'POST /webhooks/instagram HTTP/1.1\r\nhost: x\r\ncontent-le');
    raw.socket.end();
    await raw.closed(5_000);
    const ok = await fetch(`${service.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(service.logs.lines.filter((line) => line.level >= ERROR)).toEqual([]);
    expect(stderr).toEqual([]);
  });
});
