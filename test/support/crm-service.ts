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
