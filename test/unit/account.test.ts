import { describe, expect, it } from 'vitest';
import { refreshDue, tokenAdvice, tokenState, type Account } from '../../src/domain/account.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 11, 1, 12);
const WEEK = 7 * DAY;

function account(fields: Partial<Account> = {}): Account {
  return { id: '17841400000000001', username: 'acme.shop', token: 't', tokenError: null, tokenAt: NOW, expiresAt: null, refreshedAt: null, addedAt: NOW, ...fields };
}

describe('an account\'s token', () => {
  it('when its expiry is unknown or far, then it is ok; under TOKEN_WARN_DAYS, expiring; past it or refused by Meta, invalid', () => {
    expect(tokenState(account(), NOW, WEEK)).toBe('ok');
    expect(tokenState(account({ expiresAt: NOW + 8 * DAY }), NOW, WEEK)).toBe('ok');
    expect(tokenState(account({ expiresAt: NOW + 6 * DAY }), NOW, WEEK)).toBe('expiring');
    expect(tokenState(account({ expiresAt: NOW }), NOW, WEEK)).toBe('invalid');
    expect(tokenState(account({ tokenError: 'Meta code 190' }), NOW, WEEK)).toBe('invalid');
  });

  it('when it is younger than 24 h or than TOKEN_REFRESH_H, then no refresh is due; an invalid one is never refreshed', () => {
    expect(refreshDue(account({ tokenAt: NOW - 23 * HOUR }), NOW, DAY)).toBe(false);
    expect(refreshDue(account({ tokenAt: NOW - DAY }), NOW, DAY)).toBe(true);
    expect(refreshDue(account({ tokenAt: NOW - 30 * HOUR }), NOW, 48 * HOUR)).toBe(false);
    expect(refreshDue(account({ tokenAt: NOW - 48 * HOUR }), NOW, 48 * HOUR)).toBe(true);
    expect(refreshDue(account({ tokenAt: NOW - 2 * DAY, tokenError: 'refused' }), NOW, DAY)).toBe(false);
    expect(refreshDue(account({ tokenAt: NOW - 2 * DAY, expiresAt: NOW - 1 }), NOW, DAY)).toBe(false);
  });

  it('when it is not ok, then the advice names the account, the reason and the command; ok needs none', () => {
    expect(tokenAdvice(account(), 'ok', NOW)).toBeNull();
    const invalid = tokenAdvice(account({ tokenError: 'the Send API answered: Session has expired' }), 'invalid', NOW)!;
    expect(invalid).toContain('@acme.shop (17841400000000001)');
    expect(invalid).toContain('Session has expired');
    expect(invalid).toContain('npm run accounts -- add --token <new token>');
    const expiring = tokenAdvice(account({ expiresAt: NOW + 3 * DAY }), 'expiring', NOW)!;
    expect(expiring).toContain('3 days left');
    expect(expiring).toContain('2026-12-04T12:00:00.000Z');
  });
});
