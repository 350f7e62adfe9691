import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { noOpMetrics } from '../../src/adapters/metrics/noop-metrics.js';
import { CrmPool, type CrmConnection } from '../../src/adapters/mysql/crm-pool.js';
import { CrmWriteError } from '../../src/application/ports/crm-write-error.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { crmReady } from '../support/crm-service.js';
import { createCrmDatabase, userConnections, type CrmTestDatabase } from '../support/mysql.js';
import { startTestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

describe('CRM connection pool', () => {
  let crm: CrmTestDatabase;
  let pool: CrmPool | undefined;
  beforeEach(async () => {
    crm = await createCrmDatabase();
  });
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
    await crm.drop();
  });

  function makePool(env: Record<string, string>): CrmPool {
    const config = loadConfig({ ...crm.env, ...env });
    return new CrmPool(config.crm, createLogger('silent'), noOpMetrics);
  }

  it('when the service starts, then one warm connection is open; when it stops, then none is left', async () => {
    const service = await startTestService({ ...crm.env, CRM_RETRY_MAX_S: '0.3' });
    await waitFor(async () => (await userConnections(crm)).length >= 1, 'a warm connection after start-up');
    await waitFor(async () => (await crmReady(service)).state === 'ok', 'the CRM validated');

    await service.stop();

    await waitFor(async () => (await userConnections(crm)).length === 0, 'no connection after shutdown');
  });

  it('when every connection is taken, then acquire fails after the acquire timeout and the late connection goes back to the pool', async () => {
    pool = makePool({ CRM_MYSQL_POOL_MAX: '2', CRM_MYSQL_ACQUIRE_TIMEOUT_S: '0.5' });
    const held: CrmConnection[] = [await pool.acquire(), await pool.acquire()];

    const third = pool.acquire();

    await expect(third).rejects.toBeInstanceOf(CrmWriteError);
    await expect(third).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringContaining('CRM_MYSQL_ACQUIRE_TIMEOUT_S') });
    expect((await userConnections(crm)).length).toBeLessThanOrEqual(2);
    pool.release(held[0]);
    await waitFor(() => pool!.usage().inUse === 1, 'the late connection released, not leaked');
    const again = await pool.acquire();
    expect(pool.usage()).toEqual({ inUse: 2, open: 2 });
    pool.release(again);
    pool.release(held[1]);
    expect(pool.usage().inUse).toBe(0);
  });

  it('when connections stay idle longer than the idle timeout, then they are closed and one warm connection remains', async () => {
    pool = makePool({ CRM_MYSQL_POOL_MAX: '3', CRM_MYSQL_IDLE_TIMEOUT_S: '1' });
    pool.start();
    const held = [await pool.acquire(), await pool.acquire(), await pool.acquire()];
    const ids = held.map((c) => c.connection.threadId);
    expect((await userConnections(crm)).length).toBe(3);
    for (const connection of held) pool.release(connection);

    await waitFor(async () => {
      const open = (await userConnections(crm)).map((p) => p.ID);
      return open.length >= 1 && ids.every((id) => !open.includes(id!));
    }, 'the idle connections recycled and a fresh warm one open');
    expect((await userConnections(crm)).length).toBeLessThanOrEqual(3);
  });

  it('when CRM_MYSQL_POOL_MIN is 2, then two connections are kept open', async () => {
    pool = makePool({ CRM_MYSQL_POOL_MIN: '2', CRM_MYSQL_POOL_MAX: '4' });

    pool.start();

    await waitFor(async () => (await userConnections(crm)).length === 2, 'two warm connections');
    // The warm-up pings each connection before it goes back to the pool.
    await waitFor(async () => pool!.usage().inUse === 0, 'warm connections released');
    expect(pool.usage()).toEqual({ inUse: 0, open: 2 });
    expect(await userConnections(crm)).toHaveLength(2);
  });
});
