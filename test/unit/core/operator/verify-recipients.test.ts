import { describe, expect, it } from 'vitest';
import { ScriptedProbe } from '../../../../lambdas/adapters/fakes/index.js';
import type { SmtpReply } from '../../../../lambdas/core/model.js';
import type { CalloutSession, RecipientCallout } from '../../../../lambdas/core/operator/ports.js';
import { CalloutRefusedError, PrimaryNotUpError, VerifyRecipients, verdictOf } from '../../../../lambdas/core/operator/verify-recipients.js';
import { route } from '../../../support/world/engine-harness.js';

const OK: SmtpReply = { code: 250, enhanced: '2.1.5', text: 'Ok' };
const UNKNOWN: SmtpReply = { code: 550, enhanced: '5.1.1', text: 'Recipient address rejected: User unknown' };

/** A primary in memory: replies by address, records every session and RCPT, and the time of each. */
class ScriptedCallout implements RecipientCallout {
  sessions: string[][] = [];
  at: number[] = [];
  openError?: Error;
  dropOn?: string;
  constructor(private readonly replies: Record<string, SmtpReply>, private readonly clock: { t: number }) {}
  async open(): Promise<CalloutSession> {
    if (this.openError) throw this.openError;
    const asked: string[] = [];
    this.sessions.push(asked);
    return {
      check: async (address) => {
        if (this.dropOn === address) {
          this.dropOn = undefined;
          throw new Error('connection closed');
        }
        asked.push(address);
        this.at.push(this.clock.t);
        return this.replies[address] ?? OK;
      },
      close: async () => undefined,
    };
  }
}

function setup(replies: Record<string, SmtpReply> = {}) {
  const clock = { t: 0 };
  const callout = new ScriptedCallout(replies, clock);
  const probe = new ScriptedProbe();
  const useCase = new VerifyRecipients({ probe, callout, sleep: async (ms) => void (clock.t += ms), now: () => clock.t });
  return { clock, callout, probe, useCase };
}

describe('recipients verify (use case)', () => {
  it('reports the addresses the primary refuses, by kind, and counts the accepted ones', async () => {
    const { useCase } = setup({
      'gone@example.com': UNKNOWN,
      'old@example.com': { code: 550, text: 'no such user' },
      'blocked@example.com': { code: 554, enhanced: '5.7.1', text: 'Relay access denied' },
      'grey@example.com': { code: 450, enhanced: '4.7.1', text: 'Greylisted' },
    });
    const report = await useCase.run(route, ['a@example.com', 'gone@example.com', 'old@example.com', 'blocked@example.com', 'grey@example.com', 'a@example.com']);
    expect(report).toMatchObject({ route: 'main', checked: 5, accepted: 1, sessions: 1 });
    expect(report.problems).toEqual([
      { address: 'gone@example.com', verdict: 'unknown', reply: '550 5.1.1 Recipient address rejected: User unknown' },
      { address: 'old@example.com', verdict: 'unknown', reply: '550 no such user' },
      { address: 'blocked@example.com', verdict: 'refused', reply: '554 5.7.1 Relay access denied' },
      { address: 'grey@example.com', verdict: 'unsure', reply: '450 4.7.1 Greylisted' },
    ]);
  });

  it('keeps to the rate: 5 callouts a second by default, as asked otherwise', async () => {
    const addresses = Array.from({ length: 11 }, (_, i) => `u${i}@example.com`);
    const five = setup();
    await five.useCase.run(route, addresses);
    expect(five.callout.at.slice(1).map((t, i) => t - five.callout.at[i]!)).toEqual(Array(10).fill(200));
    const two = setup();
    await two.useCase.run(route, addresses, { ratePerSecond: 2 });
    expect(two.callout.at.at(-1)).toBe(5000);
  });

  it('opens a fresh session every 50 addresses and after 8 refusals (under Postfix\'s error limits)', async () => {
    const many = setup();
    await many.useCase.run(route, Array.from({ length: 120 }, (_, i) => `u${i}@example.com`));
    expect(many.callout.sessions.map((s) => s.length)).toEqual([50, 50, 20]);
    const refused = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`x${i}@example.com`, UNKNOWN]));
    const bad = setup(refused);
    const report = await bad.useCase.run(route, Object.keys(refused));
    expect(bad.callout.sessions.map((s) => s.length)).toEqual([8, 8, 4]);
    expect(report.problems).toHaveLength(20);
  });

  it('asks again on a fresh session when one dies under an address', async () => {
    const s = setup({ 'b@example.com': UNKNOWN });
    s.callout.dropOn = 'b@example.com';
    const report = await s.useCase.run(route, ['a@example.com', 'b@example.com', 'c@example.com']);
    expect(s.callout.sessions).toEqual([['a@example.com'], ['b@example.com', 'c@example.com']]);
    expect(report.problems.map((p) => p.address)).toEqual(['b@example.com']);
  });

  it('asks nothing while the primary is down', async () => {
    const s = setup();
    s.probe.down(route.primary.host);
    await expect(s.useCase.run(route, ['a@example.com'])).rejects.toThrow(PrimaryNotUpError);
    await expect(setup().useCase.run(route, [])).resolves.toMatchObject({ checked: 0 });
    expect(s.callout.sessions).toEqual([]);
  });

  it('stops, naming the step, when the primary refuses the callout itself (AUTH, TLS) or answers RCPT with an AUTH demand', async () => {
    const s = setup();
    s.callout.openError = new Error('AUTH: 535 5.7.8 Error: authentication failed');
    await expect(s.useCase.run(route, ['a@example.com'])).rejects.toThrow(/refused the callout session \(AUTH: 535 5\.7\.8/);
    const t = setup({ 'a@example.com': { code: 530, enhanced: '5.7.0', text: 'Authentication required' } });
    await expect(t.useCase.run(route, ['a@example.com', 'b@example.com'])).rejects.toBeInstanceOf(CalloutRefusedError);
  });

  it('reads replies the way RFC 3463 means them', () => {
    expect(verdictOf({ code: 250, text: 'ok' })).toBe('accepted');
    expect(verdictOf({ code: 550, enhanced: '5.1.10', text: 'null MX' })).toBe('unknown');
    expect(verdictOf({ code: 553, text: 'mailbox name not allowed' })).toBe('unknown');
    expect(verdictOf({ code: 550, enhanced: '5.7.1', text: 'policy' })).toBe('refused');
    expect(verdictOf({ code: 552, text: 'full' })).toBe('refused');
    expect(verdictOf({ text: 'timeout', errorCode: 'ETIMEDOUT' })).toBe('unsure');
  });
});
