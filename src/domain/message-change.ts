import type { MessageChange } from './instagram-event.js';
import type { Reaction } from './message.js';

/** What an unsend, a reaction or an edit may alter on a stored message. */
export interface ChangeableFields {
  text: string | null;
  /** The text before the first edit; null while never edited. */
  originalText: string | null;
  deletedAt: number | null;
  reaction: string | null;
  reactionEmoji: string | null;
  /** When the latest reaction or removal happened (kept on removal, to order late arrivals). */
  reactedAt: number | null;
  editCount: number;
  editedAt: number | null;
}

/** The changes that alter one message; a read receipt moves a conversation's watermark instead. */
export type MessageEdit = Exclude<MessageChange, { kind: 'read' }>;

/**
 * SPEC §4: what a change does to its message, whatever order Meta delivers them in.
 * An unsend keeps its first time; the latest reaction (or removal) wins; an edit applies only
 * when its edit count is higher than the stored one, and the first edit keeps the original
 * text. Returns `fields` itself when the change alters nothing (repeated or stale).
 */
export function applyChange(fields: ChangeableFields, change: MessageEdit): ChangeableFields {
  switch (change.kind) {
    case 'unsend':
      return fields.deletedAt !== null ? fields : { ...fields, deletedAt: change.at };
    case 'reaction': {
      if (fields.reactedAt !== null && fields.reactedAt > change.at) return fields;
      const react = change.action === 'react';
      return { ...fields, reaction: react ? change.reaction : null, reactionEmoji: react ? change.emoji : null, reactedAt: change.at };
    }
    case 'edit':
      if (change.editCount <= fields.editCount) return fields;
      return { ...fields, originalText: fields.originalText ?? fields.text, text: change.text, editCount: change.editCount, editedAt: change.at };
  }
}

/**
 * Whether `incoming` makes `kept` (same mid, same kind, both waiting for their message)
 * pointless: applying the survivor alone gives what applying both would. So a change that
 * waits is kept once per (mid, kind), whatever Meta redelivers.
 */
export function supersedes(incoming: MessageChange, kept: MessageChange): boolean {
  if (incoming.kind !== kept.kind || incoming.mid !== kept.mid) return false;
  switch (incoming.kind) {
    case 'unsend':
      return false;
    case 'reaction':
      return incoming.at >= kept.at;
    case 'edit':
      return incoming.editCount > (kept as typeof incoming).editCount;
    case 'read':
      return incoming.at < kept.at;
  }
}

/** The reaction a message shows: none after a removal. */
export function reactionOf(fields: Pick<ChangeableFields, 'reaction' | 'reactionEmoji' | 'reactedAt'>): Reaction | null {
  return fields.reactedAt !== null && (fields.reaction !== null || fields.reactionEmoji !== null)
    ? { reaction: fields.reaction, emoji: fields.reactionEmoji, at: fields.reactedAt }
    : null;
}
