// When the SMTP client withholds AUTH (the primary is not TLS-verified: a route
// set up without "verify"/"fingerprint", or someone in the middle), the engine
// treats it as a configuration problem: mail deferred, never bounced; the route
// down with the reason; an error log naming the fix; and no AUTH backoff, since
// no password reached anyone (so the route comes back as soon as it is fixed).
import { describe, expect, it } from 'vitest';
import { AUTH_WITHHELD, classifyReply } from '../../../../lambdas/core/policy/smtp-reply-classifier.js';
import { harness, route } from '../../../support/world/engine-harness.js';

const HOST = route.primary.host;
const WITHHELD = `AUTH withheld: the session to ${HOST}:2525 is not TLS-verified (tls "required": certificate not verified: DEPTH_ZERO_SELF_SIGNED_CERT); use tls "verify" (a certificate from a public CA for ${HOST}) or "fingerprint" with tlsFingerprints from \`backup-mx doctor\``;
const withAuth = () => harness({}, { primary: { ...route.primary, tls: 'required', authSecretName: 'backup-mx/corp' } });

describe('drain: AUTH withheld', () => {
  it('defers (never bounces), stops the route with the reason, logs AUTH WITHHELD, and starts no AUTH backoff', async () => {
    const h = withAuth();
    const { messageId } = await h.arrive();
    await h.arrive();
    h.transports.failNextSession({ errorCode: AUTH_WITHHELD, text: WITHHELD });
    const summary = await h.runDrain();
    expect(summary).toMatchObject({ stoppedBecause: 'connection-failed', deferred: 1, bounced: 0, released: 1 });
    expect(h.ledger.stateOf(messageId, 'bob@example.com')).toBe('deferred');
    expect(h.bounces.sent).toEqual([]);
    const loud = h.log.lines.find((l) => l.level === 'error' && /^AUTH WITHHELD/.test(l.message));
    expect(loud?.fields).toMatchObject({ route: 'main', tls: 'required', reply: `${AUTH_WITHHELD}: ${WITHHELD}` });
    expect(h.log.lines.some((l) => /PRIMARY REFUSES US/.test(l.message))).toBe(false);
    const health = (await h.routeState.health('main'))!;
    expect(health).toMatchObject({ status: 'down', lastError: `drain: ${AUTH_WITHHELD}: ${WITHHELD}` });
    expect(health.authRefusals).toBeUndefined();
    expect(health.authRetryAt).toBeUndefined();
  });

  it('the reply is a deferral with a security status, whatever text comes with it', () => {
    expect(classifyReply({ code: undefined, errorCode: AUTH_WITHHELD, text: '554 5.7.1 anything' })).toBe('deferred');
  });
});

describe('probe: AUTH withheld', () => {
  it('marks the route down with the reason every round, logs an error, starts no drain, and tries AUTH again next round', async () => {
    const h = withAuth();
    await h.arrive();
    h.probe.set(HOST, { ok: false, latencyMs: 5, error: WITHHELD, authWithheld: true, greeting: `220 ${HOST} ESMTP` });
    for (let minute = 0; minute < 3; minute++) {
      await h.prober().run();
      h.clock.advance(60);
    }
    const health = (await h.routeState.health('main'))!;
    expect(health).toMatchObject({ status: 'down', lastError: WITHHELD });
    expect(health.authRetryAt).toBeUndefined();
    expect(h.probe.authTried).toEqual([true, true, true]); // no backoff: nothing was sent
    expect(h.drains.started.filter((d) => d.mode === 'deliver')).toEqual([]);
    expect(h.log.lines.filter((l) => l.level === 'error' && /^AUTH WITHHELD/.test(l.message))).toHaveLength(3);
    // Fixed (or the attacker gone): up at the next round, and the mail goes.
    h.probe.up(HOST);
    await h.prober().run();
    expect((await h.routeState.health('main'))!.status).toBe('up');
    expect(h.drains.started).toContainEqual({ route: 'main', mode: 'deliver' });
  });
});
