// The public push endpoint's use case: what an anonymous caller can make it do
// (nothing past a size and a signature check), what a captured request can
// (nothing: another body, force or route breaks the signature; the same one is
// a replay), and how the guards' refusals are answered.
import { describe, expect, it } from 'vitest';
import { InMemoryRecipientListStore, InMemoryRecipientRules, ManualClock, RecordingDeliveryLog, RecordingMetrics } from '../../../../lambdas/adapters/fakes/index.js';
import type { PushGate, PushGateAnswer } from '../../../../lambdas/core/recipients/ports.js';
import { RecipientPushEndpoint, type PushRequest } from '../../../../lambdas/core/recipients/push-endpoint.js';
import { FUNCTION_URL_PAYLOAD_BYTES, MAX_LINE_BYTES, MAX_PUSH_BODY_BYTES, PUSH_MIN_INTERVAL_SECONDS, pushBodyLimit } from '../../../../lambdas/core/recipients/push-limits.js';
import { bodyDigest, PUSH_FUTURE_SKEW_SECONDS, pushSignature, routePushKey } from '../../../../lambdas/core/recipients/push-signature.js';
import { SyncRecipients } from '../../../../lambdas/core/recipients/sync-recipients.js';
import type { SyncedRoute } from '../../../../lambdas/core/recipients/synced-route.js';
import { MAX_SYNC_ADDRESSES } from '../../../../lib/config/recipient-sync.js';

/** The stack's push key (pushkey#recipients), what the endpoint's key port gives. */
const STACK_KEY = 'k'.repeat(64);
/** The trigger's key: every primary calling the trigger holds it, so no push key derives from it. */
const TRIGGER_KEY = 't'.repeat(64);
const addresses = (n: number, domain = 'example.com') => Array.from({ length: n }, (_, i) => `user${i}@${domain}`);

const HOST = 'abc123.lambda-url.eu-west-1.on.aws';

/** The gate's rule as DynamoPushGate keeps it (that one is tested on the emulator): newer timestamps only, one a minute. */
class MemoryPushGate implements PushGate {
  readonly last = new Map<string, { timestamp: number; at: number }>();
  async claim(route: string, timestamp: number, now: Date, minIntervalSeconds: number): Promise<PushGateAnswer> {
    const last = this.last.get(route);
    if (last && last.timestamp >= timestamp) return { passed: false, why: 'replay' };
    const wait = last ? last.at + minIntervalSeconds * 1000 - now.getTime() : 0;
    if (wait > 0) return { passed: false, why: 'too-soon', retryAfterSeconds: Math.ceil(wait / 1000) };
    this.last.set(route, { timestamp, at: now.getTime() });
    return { passed: true };
  }
}

function setup() {
  const clock = new ManualClock(new Date('2026-12-01T10:00:00Z'));
  const store = new InMemoryRecipientListStore();
  const rules = new InMemoryRecipientRules();
  const routes: SyncedRoute[] = [
    { name: 'corp', domains: ['example.com'], maxShrinkPercent: 10, maxAddresses: 1_000 },
    { name: 'lab', domains: ['lab.example.com'], maxShrinkPercent: 10, maxAddresses: 10 },
  ];
  const log = new RecordingDeliveryLog();
  const metrics = new RecordingMetrics();
  const sync = new SyncRecipients({ routes, store, rules, clock, log });
  let keyReads = 0;
  let routeReads = 0;
  const requested: string[] = [];
  const gate = new MemoryPushGate();
  const deps = {
    key: { secret: async () => (keyReads++, STACK_KEY) },
    gate,
    routes: async () => (routeReads++, routes),
    sync,
    clock,
    log,
    metrics,
  };
  const endpoint = new RecipientPushEndpoint(deps);
  const deferred = new RecipientPushEndpoint({ ...deps, ruleWriter: { requestRules: async (route) => void requested.push(route) } });
  const now = () => String(Math.floor(clock.now().getTime() / 1000));
  /** A request signed with `route`'s push key (or the key given). */
  /** A request signed with `route`'s push key (or the key given) for HOST (or the host given), as it reached HOST. */
  const signed = (route: string, lines: string[], opts: { force?: boolean; ts?: string; key?: string; signedFor?: string } = {}): PushRequest => {
    const body = Buffer.from(lines.map((l) => `${l}\n`).join(''));
    const timestamp = opts.ts ?? now();
    const force = opts.force ?? false;
    return { host: HOST, route, force, timestamp, body, signature: pushSignature(opts.key ?? routePushKey(STACK_KEY, route), opts.signedFor ?? HOST, route, force, timestamp, bodyDigest(body)) };
  };
  /** To the next minute: the gate lets one push a minute through. */
  const tick = () => clock.advance(PUSH_MIN_INTERVAL_SECONDS);
  return { clock, store, rules, log, metrics, endpoint, deferred, signed, tick, requested, gate, counts: () => ({ keyReads, routeReads }) };
}

describe('recipient push body cap', () => {
  it('is the budget at the longest line, never past a function URL\'s 6 MB payload (BUFFERED)', () => {
    expect(FUNCTION_URL_PAYLOAD_BYTES).toBe(6 * 1024 * 1024);
    expect(MAX_LINE_BYTES).toBe(322);
    expect(pushBodyLimit(1_000)).toBe(322_000);
    // 20,000 addresses at their longest would not fit: the cap stops below the payload limit.
    expect(MAX_SYNC_ADDRESSES * MAX_LINE_BYTES).toBeGreaterThan(FUNCTION_URL_PAYLOAD_BYTES);
    expect(pushBodyLimit(MAX_SYNC_ADDRESSES)).toBe(MAX_PUSH_BODY_BYTES);
    expect(MAX_PUSH_BODY_BYTES).toBeLessThan(FUNCTION_URL_PAYLOAD_BYTES);
  });
});

describe('RecipientPushEndpoint: an anonymous caller', () => {
  it('is refused before the key is read: malformed, stale or future timestamp, or a body over the largest cap', async () => {
    const { endpoint, signed, clock, counts } = setup();
    const ok = signed('corp', addresses(3));
    expect((await endpoint.handle({ ...ok, signature: undefined })).status).toBe(401);
    expect((await endpoint.handle({ ...ok, timestamp: 'yesterday' })).status).toBe(401);
    const stale = signed('corp', addresses(3), { ts: String(Math.floor(clock.now().getTime() / 1000) - 3_600) });
    expect(await endpoint.handle(stale)).toMatchObject({ status: 401, message: expect.stringMatching(/behind our clock/) });
    expect((await endpoint.handle({ ...ok, body: new Uint8Array(MAX_PUSH_BODY_BYTES + 1) })).status).toBe(413);
    expect(counts()).toEqual({ keyReads: 0, routeReads: 0 });
  });

  it('with a wrong signature gets 401 and the routes are never read, the store never touched', async () => {
    const { endpoint, signed, store, counts } = setup();
    const answer = await endpoint.handle(signed('corp', addresses(3), { key: 'not-the-key-0123456789' }));
    expect(answer).toMatchObject({ status: 401, message: expect.stringMatching(/signature does not match/) });
    expect(counts().routeReads).toBe(0);
    expect(await store.read('corp')).toBeUndefined();
  });
});

describe('RecipientPushEndpoint: a captured request', () => {
  it('carries no other list, no force and no other route', async () => {
    const { endpoint, signed, store } = setup();
    const captured = signed('corp', addresses(3));
    expect((await endpoint.handle({ ...captured, body: Buffer.from('evil@example.com\n') })).status).toBe(401);
    expect((await endpoint.handle({ ...captured, force: true })).status).toBe(401);
    expect((await endpoint.handle({ ...captured, route: 'lab' })).status).toBe(401);
    expect(await store.read('corp')).toBeUndefined();
  });

  it('replayed, does nothing: 401, and the list stays as the first push left it', async () => {
    const { endpoint, signed, store } = setup();
    const first = signed('corp', addresses(3), { force: true });
    expect((await endpoint.handle(first)).status).toBe(200);
    expect(await endpoint.handle(first)).toMatchObject({ status: 401, message: expect.stringMatching(/replay/) });
    expect((await store.read('corp'))?.version).toBe(1);
  });

  it("route A's push key cannot push route B, nor is it the stack key", async () => {
    const { endpoint, signed } = setup();
    const corpKey = routePushKey(STACK_KEY, 'corp');
    expect(corpKey).not.toBe(STACK_KEY);
    expect(corpKey).not.toBe(routePushKey(STACK_KEY, 'lab'));
    expect((await endpoint.handle(signed('lab', ['a@lab.example.com'], { key: corpKey }))).status).toBe(401);
    expect((await endpoint.handle(signed('lab', ['a@lab.example.com'], { force: true }))).status).toBe(200);
  });

  it('a route key derived from the trigger key is 401 and stores nothing; the one from the push key is taken', async () => {
    const { endpoint, signed, store } = setup();
    const fromTrigger = await endpoint.handle(signed('lab', ['a@lab.example.com'], { force: true, key: routePushKey(TRIGGER_KEY, 'lab') }));
    expect(fromTrigger).toMatchObject({ status: 401, message: expect.stringMatching(/signature does not match/) });
    expect(await store.read('lab')).toBeUndefined();
    expect((await endpoint.handle(signed('lab', ['a@lab.example.com'], { force: true, key: routePushKey(STACK_KEY, 'lab') }))).status).toBe(200);
  });
});

describe('RecipientPushEndpoint: answers', () => {
  it('200 with the counts; the next push names what changed', async () => {
    const { endpoint, signed, tick } = setup();
    expect(await endpoint.handle(signed('corp', addresses(450), { force: true }))).toMatchObject({ status: 200, result: { added: 450, removed: 0, total: 450, version: 1, rulesPending: false } });
    tick();
    const next = await endpoint.handle(signed('corp', [...addresses(440), 'new@example.com']));
    expect(next).toMatchObject({ status: 200, result: { added: 1, removed: 10, total: 441, version: 2 } });
    expect(next.message).toMatch(/1 added, 10 removed, 441 in all \(version 2\)/);
  });

  it('the guards: empty 422, outside the domains 422, over budget 422, a shrink 409 unless force (signed) is set', async () => {
    const { endpoint, signed, tick, store } = setup();
    expect(await endpoint.handle(signed('corp', []))).toMatchObject({ status: 422, reason: 'empty' });
    tick();
    expect(await endpoint.handle(signed('corp', ['x@elsewhere.test']))).toMatchObject({ status: 422, reason: 'outside-domains' });
    tick();
    // lab's budget is 10 addresses: 3,220 bytes at most, refused before it is parsed.
    expect(await endpoint.handle(signed('lab', ['a@lab.example.com', `#${'x'.repeat(3_220)}`]))).toMatchObject({ status: 413, message: expect.stringMatching(/cap of 3220/) });
    tick();
    expect(await endpoint.handle(signed('lab', addresses(11, 'lab.example.com')))).toMatchObject({ status: 422, reason: 'over-budget' });
    tick();
    expect(await endpoint.handle(signed('corp', addresses(1_001)))).toMatchObject({ status: 422, reason: 'over-budget', message: expect.stringMatching(/maxAddresses = 1000/) });
    tick();
    expect((await endpoint.handle(signed('corp', addresses(100), { force: true }))).status).toBe(200);
    tick();
    expect(await endpoint.handle(signed('corp', addresses(50)))).toMatchObject({ status: 409, reason: 'shrink', message: expect.stringMatching(/maxShrinkPercent/) });
    tick();
    expect(await endpoint.handle(signed('corp', addresses(50), { force: true }))).toMatchObject({ status: 200, result: { removed: 50, total: 50 } });
    expect((await store.read('corp'))?.forced).toBe(true);
  });

  it('an unknown route is 404 only once the caller is authenticated', async () => {
    const { endpoint, signed } = setup();
    expect(await endpoint.handle(signed('nope', ['a@example.com']))).toMatchObject({ status: 404 });
  });

  it('with a rule writer: stores, asks the writer, and writes no rules itself', async () => {
    const { deferred, signed, requested, rules, store } = setup();
    expect(await deferred.handle(signed('corp', addresses(5), { force: true }))).toMatchObject({ status: 200, result: { rulesPending: true, version: 1 }, message: expect.stringMatching(/being written/) });
    expect(requested).toEqual(['corp']);
    expect(rules.applied).toBe(0);
    expect((await store.read('corp'))?.appliedVersion).toBe(0);
  });
});

describe('RecipientPushEndpoint: the host is signed', () => {
  it('a push signed for host A is 401 at host B (two stacks sharing trigger.keySecretName), before the routes are read', async () => {
    const { endpoint, signed, counts, store } = setup();
    const forOtherStack = signed('corp', addresses(3), { force: true, signedFor: 'other-stack.lambda-url.eu-west-1.on.aws' });
    expect(await endpoint.handle(forOtherStack)).toMatchObject({ status: 401, message: expect.stringMatching(/another host/) });
    expect(counts().routeReads).toBe(0);
    expect(await store.read('corp')).toBeUndefined();
    // The same push signed for this host is taken; the host compares without regard to case.
    expect((await endpoint.handle(signed('corp', addresses(3), { force: true, signedFor: HOST.toUpperCase() }))).status).toBe(200);
  });
});

describe('RecipientPushEndpoint: a timestamp ahead of our clock', () => {
  it(`is taken up to ${PUSH_FUTURE_SKEW_SECONDS} s ahead; further ahead it is 401 before the key is read, and locks nothing`, async () => {
    const { endpoint, signed, clock, counts, tick } = setup();
    const ahead = (s: number) => String(Math.floor(clock.now().getTime() / 1000) + s);
    expect(await endpoint.handle(signed('corp', addresses(3), { force: true, ts: ahead(PUSH_FUTURE_SKEW_SECONDS + 1) }))).toMatchObject({ status: 401, message: expect.stringMatching(/ahead of our clock/) });
    // The trigger's window (300 s) is not the push's: 299 s ahead is refused too.
    expect((await endpoint.handle(signed('corp', addresses(3), { force: true, ts: ahead(299) }))).status).toBe(401);
    expect(counts().keyReads).toBe(0);
    // Nothing was noted by the gate: an honest push now goes through.
    expect((await endpoint.handle(signed('corp', addresses(3), { force: true }))).status).toBe(200);
    tick();
    expect((await endpoint.handle(signed('corp', addresses(3), { ts: ahead(PUSH_FUTURE_SKEW_SECONDS) }))).status).toBe(200);
  });
});

describe('RecipientPushEndpoint: one push a minute per route', () => {
  it('a second push within the minute is 429 with when to come back; another route is not held up; after the minute it is taken', async () => {
    const { endpoint, signed, clock, store } = setup();
    expect((await endpoint.handle(signed('corp', addresses(10), { force: true }))).status).toBe(200);
    clock.advance(1);
    expect(await endpoint.handle(signed('corp', addresses(11)))).toMatchObject({ status: 429, retryAfterSeconds: PUSH_MIN_INTERVAL_SECONDS - 1 });
    expect((await endpoint.handle(signed('lab', ['a@lab.example.com'], { force: true }))).status).toBe(200);
    expect((await store.read('corp'))?.version).toBe(1);
    clock.advance(PUSH_MIN_INTERVAL_SECONDS - 1);
    expect(await endpoint.handle(signed('corp', addresses(11)))).toMatchObject({ status: 200, result: { version: 2 } });
  });
});

describe('RecipientPushEndpoint: metrics', () => {
  it('every refusal is counted in RecipientPushRefused with why; anonymous ones write no log line', async () => {
    const { endpoint, signed, metrics, log, clock } = setup();
    const ok = signed('corp', addresses(3));
    await endpoint.handle({ ...ok, signature: undefined });
    await endpoint.handle({ ...ok, body: new Uint8Array(MAX_PUSH_BODY_BYTES + 1) });
    await endpoint.handle(signed('corp', addresses(3), { key: 'not-the-key-0123456789' }));
    expect(metrics.stackCounts).toEqual([
      { name: 'RecipientPushRefused', value: 1, detail: { why: 'form' } },
      { name: 'RecipientPushRefused', value: 1, detail: { why: 'too-large' } },
      { name: 'RecipientPushRefused', value: 1, detail: { why: 'signature' } },
    ]);
    expect(log.lines).toEqual([]);
    await endpoint.handle(ok); // authenticated: refused by the guard (a first list with no seed), logged
    clock.advance(1);
    await endpoint.handle(ok); // the same again: a replay
    expect(metrics.stackCounts.slice(3).map((c) => c.detail?.why)).toEqual(['first-push', 'replay']);
    expect(log.lines.filter((e) => e.message === 'recipient push refused').map((e) => e.fields?.why)).toEqual(['first-push', 'replay']);
    expect(metrics.flushes).toBe(5);
  });

  it('a stored push that removes addresses is counted in RecipientsRemoved (route, forced), a growing one is not', async () => {
    const { endpoint, signed, metrics, tick } = setup();
    await endpoint.handle(signed('corp', addresses(100), { force: true }));
    tick();
    await endpoint.handle(signed('corp', addresses(110)));
    tick();
    await endpoint.handle(signed('corp', addresses(105)));
    tick();
    await endpoint.handle(signed('corp', addresses(20), { force: true }));
    expect(metrics.stackCounts.filter((c) => c.name === 'RecipientsRemoved')).toEqual([
      { name: 'RecipientsRemoved', value: 5, detail: { route: 'corp', forced: 'false' } },
      { name: 'RecipientsRemoved', value: 85, detail: { route: 'corp', forced: 'true' } },
    ]);
  });
});
