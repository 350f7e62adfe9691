import { describe, expect, it } from 'vitest';
import { NonBlockingMirror } from '../../src/application/crm-mirror/non-blocking-mirror.js';
import { NoOpMessageMirror } from '../../src/adapters/mirror/noop-message-mirror.js';
import { TOKENS } from '../../src/tokens.js';
import { crmReady } from '../support/crm-service.js';
import { fixtureBytes } from '../support/fixtures.js';
import { startTestService } from '../support/service.js';

describe('container: which CRM mirror is wired', () => {
  it('when CRM_MYSQL_ENABLED=true but host, user and database are missing, then a warning names them and the no-op mirror is used', async () => {
    const service = await startTestService({ CRM_MYSQL_ENABLED: 'true', CRM_MYSQL_PASSWORD: 'secret-pw' });
    try {
      const warning = service.logs.matching('CRM mirror off')[0];
      expect(warning.msg).toContain('CRM_MYSQL_HOST, CRM_MYSQL_USER, CRM_MYSQL_DATABASE');
      expect(service.container.resolve(TOKENS.MessageMirror)).toBeInstanceOf(NoOpMessageMirror);
      expect((await service.webhook(fixtureBytes('f1-text'))).status).toBe(200);
      // /readyz says the mirror is off because settings are missing, and which.
      expect(await crmReady(service)).toEqual({
        state: 'disabled',
        reason: 'CRM_MYSQL_ENABLED=true but CRM_MYSQL_HOST, CRM_MYSQL_USER, CRM_MYSQL_DATABASE not set',
        missing: ['CRM_MYSQL_HOST', 'CRM_MYSQL_USER', 'CRM_MYSQL_DATABASE'],
        pending: 0,
        failed: 0,
        not_mirrored: 1,
        backlog: 0,
      });
      expect(service.logs.text()).not.toContain('secret-pw');
    } finally {
      await service.stop();
    }
  });

  it('when CRM_MYSQL_ENABLED is false, then the no-op mirror is used and messages wait as not_mirrored', async () => {
    const service = await startTestService({ CRM_MYSQL_HOST: '127.0.0.1', CRM_MYSQL_USER: 'u', CRM_MYSQL_DATABASE: 'd' });
    try {
      expect(service.container.resolve(TOKENS.MessageMirror)).toBeInstanceOf(NoOpMessageMirror);
      await service.webhook(fixtureBytes('f1-text'));
      expect(await crmReady(service)).toEqual({ state: 'disabled', reason: 'CRM_MYSQL_ENABLED is not true', pending: 0, failed: 0, not_mirrored: 1, backlog: 0 });
    } finally {
      await service.stop();
    }
  });

  it('when CRM_MYSQL_ENABLED=true with every setting, then the non-blocking mirror is used (even while the CRM is unreachable)', async () => {
    const service = await startTestService({
      CRM_MYSQL_ENABLED: 'true', CRM_MYSQL_HOST: '127.0.0.1', CRM_MYSQL_PORT: '9', CRM_MYSQL_USER: 'u', CRM_MYSQL_DATABASE: 'd', CRM_RETRY_MAX_S: '0.2',
    });
    try {
      expect(service.container.resolve(TOKENS.MessageMirror)).toBeInstanceOf(NonBlockingMirror);
      expect((await service.webhook(fixtureBytes('f1-text'))).status).toBe(200);
      expect(await crmReady(service)).toMatchObject({ state: 'down', pending: 1, not_mirrored: 0, backlog: 1 });
    } finally {
      await service.stop();
    }
  });
});
