import { randomBytes } from 'node:crypto';

export interface SimulatedMessage {
  text: string | null;
  imageUrl: string | null;
  /** The customer's IGSID. */
  customerId: string;
  accountId: string;
  /** true: the business sent it (an echo: sender and recipient swapped). */
  echo: boolean;
  mid?: string;
  now: number;
}

/** A webhook body shaped like Meta's (one entry, one messaging item), as compact JSON bytes. */
export function simulatedPayload(input: SimulatedMessage): Buffer {
  const mid = input.mid ?? `mid.sim.${input.now}.${randomBytes(6).toString('hex')}`;
  const business = { id: input.accountId };
  const customer = { id: input.customerId };
  const message: Record<string, unknown> = { mid };
  if (input.text !== null) message.text = input.text;
  if (input.imageUrl) message.attachments = [{ type: 'image', payload: { url: input.imageUrl } }];
  if (input.echo) message.is_echo = true;
  const body = {
    object: 'instagram',
    entry: [
      {
        id: input.accountId,
        time: input.now,
        messaging: [
          {
            sender: input.echo ? business : customer,
            recipient: input.echo ? customer : business,
            timestamp: input.now,
            message,
          },
        ],
      },
    ],
  };
  return Buffer.from(JSON.stringify(body));
}
