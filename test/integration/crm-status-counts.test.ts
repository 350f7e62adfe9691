import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crmReady } from '../support/crm-service.js';
import { textMessages } from '../support/instagram-events.js';
import { createCrmDatabase, type CrmTestDatabase } from '../support/mysql.js';
import { startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

function sample(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

describe('/readyz and /metrics keep pending, failed and not mirrored apart, mirror on or off', () => {
  let crm: CrmTestDatabase | undefined;
  let service: TestService | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'igbridge-counts-'));
  afterEach(async () => {
    await service?.stop();
    await crm?.drop();
    service = undefined;
    crm = undefined;
  });

  it('when messages were stored with the mirror off and it is turned on, then they stay counted as not mirrored while new ones are written', async () => {
    const sqlite = join(dir, 'igbridge.db');
    service = await startTestService({ SQLITE_PATH: sqlite });
    await service.webhook(textMessages([{ mid: 'off.1', text: 'while off 1' }, { mid: 'off.2', text: 'while off 2' }]));
    expect(await crmReady(service)).toMatchObject({ state: 'disabled', pending: 0, not_mirrored: 2, backlog: 0 });
    await service.stop();

    crm = await createCrmDatabase();
    service = await startTestService({ ...crm.env, SQLITE_PATH: sqlite });
    await service.webhook(textMessages([{ mid: 'on.1', text: 'while on' }]));
    await waitFor(async () => (await crm!.rows()).length === 1, 'the new message in the CRM');
    await waitFor(async () => (await crmReady(service!)).pending === 0, 'nothing pending');

    expect(await crmReady(service)).toEqual({ state: 'ok', pending: 0, failed: 0, not_mirrored: 2, backlog: 0 });
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    expect(sample(metrics, 'igbridge_crm_not_mirrored')).toBe(2);
    expect(sample(metrics, 'igbridge_crm_pending')).toBe(0);
    expect(sample(metrics, 'igbridge_crm_failed')).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });
});
