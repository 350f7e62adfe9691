import type { MessageSender } from '../../application/ports/message-sender.js';
import { DomainError } from '../../domain/errors.js';

/** IG_ACCESS_TOKEN is not set: every send is refused with a clear reason (HTTP 503). */
export class UnconfiguredMessageSender implements MessageSender {
  async send(): Promise<never> {
    throw new DomainError('graph_not_configured', 'IG_ACCESS_TOKEN is not set on the server, so igbridge cannot send messages');
  }
}
