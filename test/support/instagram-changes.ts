const ACCOUNT = '17841400000000001';
const CUSTOMER = '6000000000000001';

/** A webhook body with one change to a message the customer sent: an edit (Meta's `message_edit`), an unsend or a reaction. */
export function messageChange(mid: string, change: { edit?: { text: string; count: number }; unsend?: boolean; react?: string }, at = Date.now()): string {
  const item: Record<string, unknown> = { sender: { id: CUSTOMER }, recipient: { id: ACCOUNT }, timestamp: at };
  if (change.edit) item.message_edit = { mid, text: change.edit.text, num_edit: change.edit.count };
  else if (change.unsend) item.message = { mid, is_deleted: true };
  else item.reaction = { mid, action: 'react', reaction: 'love', emoji: change.react ?? '❤️' };
  return JSON.stringify({ object: 'instagram', entry: [{ id: ACCOUNT, time: at, messaging: [item] }] });
}
