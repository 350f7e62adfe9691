import type { CrmOutbox, OutboxMessage, OutboxSelection } from '../../src/application/ports/crm-outbox.js';
import type { CrmState, Message } from '../../src/domain/message.js';

interface Row {
  message: Message;
  inDoubt: boolean;
  nextAttemptAt: number | null;
  /** What the CRM row shows of the message's edits and unsend. */
  editsSent?: number;
  unsendSent?: boolean;
}

/** A stored message as the outbox holds it (pending unless told otherwise). */
export function outboxMessage(id: number, text = `message ${id}`, state: CrmState = 'pending'): Message {
  return {
    id, mid: `mid.${id}`, accountId: '17841400000000001', customerId: '6000000000000001', direction: 'in',
    text, attachments: [], replyTo: null, payload: null, sentAt: 1_700_000_000_000 + id, raw: '{}', origin: 'webhook',
    receivedAt: 0, reaction: null, readAt: null, deletedAt: null, editedAt: null, editCount: 0,
    crm: { state, attempts: 0, lastError: null, mirroredAt: null, changePending: false },
  };
}

/** A hand-written CrmOutbox in memory, with the SQLite outbox's selection and order. */
export class FakeCrmOutbox implements CrmOutbox {
  readonly rows = new Map<number, Row>();

  add(...messages: Message[]): this {
    for (const message of messages) this.rows.set(message.id, { message, inDoubt: false, nextAttemptAt: message.crm.state === 'pending' ? 0 : null });
    return this;
  }

  /** One row as the outbox holds it now. */
  row(id: number): { state: CrmState; inDoubt: boolean; attempts: number; lastError: string | null; nextAttemptAt: number | null } {
    const { message, inDoubt, nextAttemptAt } = this.rows.get(id)!;
    return { state: message.crm.state, inDoubt, attempts: message.crm.attempts, lastError: message.crm.lastError, nextAttemptAt };
  }

  async due(selection: OutboxSelection, inDoubt: boolean | undefined, now: number, limit: number, afterId = 0): Promise<OutboxMessage[]> {
    const pendingOnly = selection.states.length === 1 && selection.states[0] === 'pending';
    return [...this.rows.values()]
      .filter((r) => selection.states.includes(r.message.crm.state) && r.message.id > afterId)
      .filter((r) => inDoubt === undefined || r.inDoubt === inDoubt)
      .filter((r) => !selection.states.includes('pending') || (r.nextAttemptAt !== null && r.nextAttemptAt <= now))
      .filter((r) => selection.since === undefined || r.message.sentAt >= selection.since)
      .sort((a, b) => (pendingOnly ? a.nextAttemptAt! - b.nextAttemptAt! : 0) || a.message.id - b.message.id)
      .slice(0, limit)
      .map((r) => ({ ...structuredClone(r.message), inDoubt: r.inDoubt }));
  }

  async nextDueAt(): Promise<number | null> {
    const times = [...this.rows.values()].filter((r) => r.message.crm.state === 'pending').map((r) => r.nextAttemptAt ?? Infinity);
    return times.length === 0 ? null : Math.min(...times);
  }

  async counts() {
    const of = (state: CrmState) => this.countNow({ states: [state] });
    return { pending: of('pending'), failed: of('failed'), notMirrored: of('not_mirrored') };
  }

  async count(selection: OutboxSelection): Promise<number> {
    return this.countNow(selection);
  }

  /** `count`, read at once (for assertions). */
  countNow(selection: OutboxSelection): number {
    return [...this.rows.values()].filter((r) => selection.states.includes(r.message.crm.state) && (selection.since === undefined || r.message.sentAt >= selection.since)).length;
  }

  async markInDoubt(ids: number[]): Promise<void> {
    for (const id of ids) this.rows.get(id)!.inDoubt = true;
  }

  async markForRetry(ids: number[], error: string, inDoubt: boolean): Promise<void> {
    for (const id of ids) Object.assign(this.rows.get(id)!, { inDoubt }).message.crm.lastError = error;
  }

  async markMirrored(ids: number[], at: number): Promise<void> {
    for (const id of ids) {
      const row = this.rows.get(id)!;
      Object.assign(row, { inDoubt: false, nextAttemptAt: null });
      Object.assign(row.message.crm, { state: 'mirrored', mirroredAt: at, lastError: null });
    }
  }

  async markRejected(id: number, error: string, maxAttempts: number, retryAt: number): Promise<CrmState> {
    const row = this.rows.get(id)!;
    const crm = row.message.crm;
    Object.assign(row, { inDoubt: false, nextAttemptAt: retryAt });
    Object.assign(crm, { attempts: crm.attempts + 1, lastError: error, state: crm.attempts + 1 >= maxAttempts ? 'failed' : crm.state });
    return crm.state;
  }

  async changed(limit: number): Promise<Message[]> {
    return [...this.rows.values()]
      .filter((r) => r.message.crm.state === 'mirrored' && (r.message.editCount > (r.editsSent ?? 0) || (r.message.deletedAt !== null && !r.unsendSent)))
      .sort((a, b) => a.message.id - b.message.id)
      .slice(0, limit)
      .map((r) => structuredClone(r.message));
  }

  async markChangesSent(sent: Message[], error: string | null = null): Promise<void> {
    for (const message of sent) {
      const row = this.rows.get(message.id)!;
      Object.assign(row, { editsSent: message.editCount, unsendSent: message.deletedAt !== null });
      row.message.crm.lastError = error;
    }
  }

  /** The customer edits (or unsends) a stored message, as the store would record it. */
  change(id: number, change: { text?: string; unsent?: boolean }): void {
    const message = this.rows.get(id)!.message;
    if (change.text !== undefined) Object.assign(message, { text: change.text, editCount: message.editCount + 1, editedAt: NOW_OF_CHANGE });
    if (change.unsent) message.deletedAt = NOW_OF_CHANGE;
  }
}

const NOW_OF_CHANGE = 1_800_000_000_500;
