import type { TestService } from './service.js';

export interface CrmReady {
  state: string;
  reason?: string;
  missing?: string[];
  pending: number;
  failed: number;
  not_mirrored: number;
  backlog: number;
}

/** /readyz's `crm` object. */
export async function crmReady(service: TestService): Promise<CrmReady> {
  const response = await fetch(`${service.url}/readyz`);
  return ((await response.json()) as { crm: CrmReady }).crm;
}

/** One customer's messages with their CRM state, from the read API. */
export async function thread(service: TestService, userId = '6000000000000001'): Promise<any[]> {
  const response = await service.api(`/api/conversations/${userId}/messages?limit=200`);
  return ((await response.json()) as { messages: any[] }).messages;
}
