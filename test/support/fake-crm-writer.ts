import { CrmWriteError, type CrmFailure } from '../../src/application/ports/crm-write-error.js';
import type { CrmWriter } from '../../src/application/ports/crm-writer.js';
import type { Message } from '../../src/domain/message.js';

/** What the next write does instead of succeeding. `committed`: the CRM kept the rows anyway. */
interface Trouble {
  kind: CrmFailure;
  committed?: boolean;
  /** Never answers until `abort()` (then fails in doubt). */
  hang?: boolean;
}

/**
 * A hand-written CRM: keeps what was written (by mid, so a duplicate shows), records every
 * statement, refuses any message whose text contains "POISON" (as strict mode refuses a text
 * too long), and fails the next statements as `trouble` says.
 */
export class FakeCrmWriter implements CrmWriter {
  /** Each mid with how many times the CRM holds it. */
  readonly crm = new Map<string, number>();
  /** Every statement, in order: the ids it carried and whether it was an insert-if-absent. */
  readonly statements: Array<{ ids: number[]; ifAbsent: boolean; update?: true }> = [];
  readonly trouble: Trouble[] = [];
  readonly todo = 'TODO: the fake CRM keeps only the mid';
  validateFails: CrmFailure | null = null;
  /** As a CRM with a UNIQUE mid column: a write repeated is no second row. */
  idempotent = false;
  /** As a CRM with a mid column: edits and unsends are sent with update(). */
  updatesChanges = false;
  /** Each mid with the text (and whether unsent) its row shows after the updates. */
  readonly updated = new Map<string, { text: string | null; unsent: boolean }>();
  aborted = 0;
  private abortInFlight: (() => void) | undefined;

  async validate(): Promise<void> {
    if (this.validateFails) throw new CrmWriteError(this.validateFails, 'table not found');
  }

  async mirror(messages: Message[]): Promise<void> {
    this.statements.push({ ids: messages.map((m) => m.id), ifAbsent: false });
    await this.statement(messages);
  }

  async mirrorIfAbsent(message: Message): Promise<boolean> {
    this.statements.push({ ids: [message.id], ifAbsent: true });
    const absent = !this.crm.has(message.mid);
    await this.statement(absent ? [message] : []);
    return absent;
  }

  async update(message: Message): Promise<boolean> {
    this.statements.push({ ids: [message.id], ifAbsent: false, update: true });
    const trouble = this.trouble.shift();
    if (trouble) throw new CrmWriteError(trouble.kind, `${trouble.kind} (scripted)`);
    if (!this.crm.has(message.mid)) return false;
    this.updated.set(message.mid, { text: message.text, unsent: message.deletedAt !== null });
    return true;
  }

  abort(): void {
    this.aborted++;
    this.abortInFlight?.();
  }

  caughtUpCalls = 0;

  caughtUp(): void {
    this.caughtUpCalls++;
  }

  writingForMs(): number | null {
    return this.abortInFlight ? 0 : null;
  }

  /** Every mid the CRM holds more than once (an exactly-once test wants none). */
  duplicates(): string[] {
    return [...this.crm].filter(([, n]) => n > 1).map(([mid]) => mid);
  }

  private async statement(messages: Message[]): Promise<void> {
    const trouble = this.trouble.shift();
    if (trouble?.hang) {
      await new Promise<void>((resolve) => (this.abortInFlight = resolve));
      this.abortInFlight = undefined;
      if (trouble.committed) this.keep(messages);
      throw new CrmWriteError('in_doubt', 'abandoned at shutdown: outcome unknown');
    }
    if (trouble) {
      if (trouble.committed) this.keep(messages);
      throw new CrmWriteError(trouble.kind, `${trouble.kind} (scripted)`);
    }
    if (messages.some((m) => m.text?.includes('POISON'))) throw tooLong();
    this.keep(messages);
  }

  private keep(messages: Message[]): void {
    for (const m of messages) this.crm.set(m.mid, this.idempotent && this.crm.has(m.mid) ? 1 : (this.crm.get(m.mid) ?? 0) + 1);
  }
}

/** What the MySQL writer throws for a text too long under strict mode: the error and its fields. */
function tooLong(): CrmWriteError {
  const sqlMessage = "Data too long for column 'message' at row 1";
  return new CrmWriteError('rejected', `ER_DATA_TOO_LONG (1406/22001): ${sqlMessage}`, undefined, false, {
    type: 'Error', code: 'ER_DATA_TOO_LONG', errno: 1406, sqlState: '22001', sqlMessage, message: sqlMessage, stack: 'Error: Data too long',
  });
}
