import { describe, expect, it } from 'vitest';
import { applyChange, reactionOf, supersedes, type ChangeableFields } from '../../src/domain/message-change.js';

const fresh: ChangeableFields = {
  text: 'hi', originalText: null, deletedAt: null, reaction: null, reactionEmoji: null, reactedAt: null, editCount: 0, editedAt: null,
};
const react = (at: number, reaction = 'love') => ({ kind: 'reaction' as const, mid: 'm', action: 'react' as const, reaction, emoji: '❤️', at });
const unreact = (at: number) => ({ kind: 'reaction' as const, mid: 'm', action: 'unreact' as const, reaction: null, emoji: null, at });
const edit = (editCount: number, text: string) => ({ kind: 'edit' as const, mid: 'm', text, editCount, at: editCount * 10 });

describe('applyChange', () => {
  it('when a message is unsent again, then the first time stays and nothing changes', () => {
    const once = applyChange(fresh, { kind: 'unsend', mid: 'm', at: 5 });
    expect(once.deletedAt).toBe(5);
    expect(applyChange(once, { kind: 'unsend', mid: 'm', at: 9 })).toBe(once);
  });

  it('when a removal is newer than the reaction, then no reaction shows; when older, then it is ignored', () => {
    const removed = applyChange(applyChange(fresh, react(10)), unreact(20));
    expect(reactionOf(removed)).toBeNull();
    expect(removed.reactedAt).toBe(20);
    expect(applyChange(removed, react(15))).toBe(removed);
    expect(reactionOf(applyChange(removed, react(25, 'wow')))).toEqual({ reaction: 'wow', emoji: '❤️', at: 25 });
  });

  it('when edits arrive out of order, then the highest edit count wins and the first text is kept as original', () => {
    const second = applyChange(fresh, edit(2, 'v2'));
    expect(second).toMatchObject({ text: 'v2', originalText: 'hi', editCount: 2, editedAt: 20 });
    expect(applyChange(second, edit(1, 'v1'))).toBe(second);
    expect(applyChange(second, edit(3, 'v3'))).toMatchObject({ text: 'v3', originalText: 'hi', editCount: 3 });
  });

  it('when a change is applied, then the fields given are not modified', () => {
    const before = { ...fresh };
    applyChange(fresh, edit(1, 'v1'));
    expect(fresh).toEqual(before);
  });
});

describe('supersedes', () => {
  it('when two changes of one kind wait for a mid, then the survivor is the one applying both would leave', () => {
    expect(supersedes(react(20), react(10))).toBe(true);
    expect(supersedes(react(10), unreact(20))).toBe(false);
    expect(supersedes(edit(2, 'b'), edit(1, 'a'))).toBe(true);
    expect(supersedes(edit(1, 'a'), edit(2, 'b'))).toBe(false);
    expect(supersedes({ kind: 'unsend', mid: 'm', at: 9 }, { kind: 'unsend', mid: 'm', at: 5 })).toBe(false);
    expect(supersedes({ kind: 'read', mid: 'm', at: 5 }, { kind: 'read', mid: 'm', at: 9 })).toBe(true);
  });

  it('when the mid or the kind differ, then neither replaces the other', () => {
    expect(supersedes({ ...react(20), mid: 'other' }, react(10))).toBe(false);
    expect(supersedes({ kind: 'unsend', mid: 'm', at: 20 }, react(10))).toBe(false);
  });
});
