import type { AccountView } from '../../application/account-views.js';
import type { ConversationSummary } from '../../application/ports/conversation-reader.js';
import type { Message } from '../../domain/message.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The API's JSON for a message: snake_case, times as ISO strings plus the raw milliseconds. */
export function messageJson(message: Message) {
  return {
    mid: message.mid,
    user_id: message.customerId,
    account_id: message.accountId,
    direction: message.direction,
    text: message.text,
    attachments: message.attachments,
    reply_to: message.replyTo
      ? { mid: message.replyTo.mid ?? null, story_id: message.replyTo.storyId ?? null, story_url: message.replyTo.storyUrl ?? null }
      : null,
    payload: message.payload,
    reaction: message.reaction ? { reaction: message.reaction.reaction, emoji: message.reaction.emoji, at: iso(message.reaction.at) } : null,
    read_at: iso(message.readAt),
    deleted: message.deletedAt !== null,
    deleted_at: iso(message.deletedAt),
    edited: message.editCount > 0,
    edited_at: iso(message.editedAt),
    edit_count: message.editCount,
    timestamp: iso(message.sentAt),
    timestamp_ms: message.sentAt,
    received_at: iso(message.receivedAt),
    origin: message.origin,
    crm: {
      state: message.crm.state,
      attempts: message.crm.attempts,
      last_error: message.crm.lastError,
      mirrored_at: iso(message.crm.mirroredAt),
      change_pending: message.crm.changePending,
    },
  };
}

export function conversationJson(summary: ConversationSummary) {
  return {
    account_id: summary.accountId,
    user_id: summary.userId,
    username: summary.username ?? summary.userId,
    name: summary.name,
    last_message: {
      mid: summary.lastMessage.mid,
      direction: summary.lastMessage.direction,
      text: summary.lastMessage.text,
      attachments: summary.lastMessage.attachments,
      deleted: summary.lastMessage.deleted,
    },
    last_message_at: iso(summary.lastMessage.sentAt),
    last_message_at_ms: summary.lastMessage.sentAt,
    message_count: summary.messageCount,
    unread_count: summary.unreadCount,
  };
}

/** An account as the API and /readyz show it (SPEC §12): never its token. */
export function accountJson(account: AccountView) {
  return {
    id: account.id,
    username: account.username,
    token_state: account.tokenState,
    expires_at: iso(account.expiresAt),
    refreshed_at: iso(account.refreshedAt),
    added_at: iso(account.addedAt),
    problem: account.problem,
  };
}
