import type { CrmStatusReport } from '../../src/application/ports/crm-status.js';
import type { TestService } from './service.js';

/** /readyz's `crm` object. */
export async function crmReady(service: TestService): Promise<CrmStatusReport> {
  const response = await fetch(`${service.url}/readyz`);
  return ((await response.json()) as { crm: CrmStatusReport }).crm;
}

/** One customer's messages with their CRM state, from the read API. */
export async function thread(service: TestService, userId = '6000000000000001'): Promise<any[]> {
  const response = await service.api(`/api/conversations/${userId}/messages?limit=200`);
  return ((await response.json()) as { messages: any[] }).messages;
}

/** CRM settings that make the mirror's retries, acquire and write timeouts short enough for a test. */
export const FAST_CRM = { CRM_RETRY_MAX_S: '0.3', CRM_MYSQL_ACQUIRE_TIMEOUT_S: '2', CRM_MYSQL_WRITE_TIMEOUT_S: '3' };
