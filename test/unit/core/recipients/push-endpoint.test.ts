// The public push endpoint's use case: what an anonymous caller can make it do
// (nothing past a size and a signature check), what a captured request can
// (nothing: another body, force or route breaks the signature; the same one is
// a replay), and how the guards' refusals are answered.
import { describe, expect, it } from 'vitest';
import { InMemoryRecipientListStore, InMemoryRecipientRules, ManualClock, RecordingDeliveryLog } from '../../../../lambdas/adapters/fakes/index.js';
import type { PushGate } from '../../../../lambdas/core/recipients/ports.js';
import { RecipientPushEndpoint, type PushRequest } from '../../../../lambdas/core/recipients/push-endpoint.js';
import { FUNCTION_URL_PAYLOAD_BYTES, MAX_LINE_BYTES, MAX_PUSH_BODY_BYTES, pushBodyLimit } from '../../../../lambdas/core/recipients/push-limits.js';
import { bodyDigest, pushSignature, routePushKey } from '../../../../lambdas/core/recipients/push-signature.js';
import { SyncRecipients } from '../../../../lambdas/core/recipients/sync-recipients.js';
import type { SyncedRoute } from '../../../../lambdas/core/recipients/synced-route.js';
import { MAX_SYNC_ADDRESSES } from '../../../../lib/config/recipient-sync.js';

const STACK_KEY = 'k'.repeat(64);
const addresses = (n: number, domain = 'example.com') => Array.from({ length: n }, (_, i) => `user${i}@${domain}`);

class MemoryPushGate implements PushGate {
  readonly last = new Map<string, number>();
  async claim(route: string, timestamp: number): Promise<boolean> {
    if ((this.last.get(route) ?? -1) >= timestamp) return false;
    this.last.set(route, timestamp);
    return true;
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
  };
  const endpoint = new RecipientPushEndpoint(deps);
  const deferred = new RecipientPushEndpoint({ ...deps, ruleWriter: { requestRules: async (route) => void requested.push(route) } });
  const now = () => String(Math.floor(clock.now().getTime() / 1000));
  /** A request signed with `route`'s push key (or the key given). */
  const signed = (route: string, lines: string[], opts: { force?: boolean; ts?: string; key?: string } = {}): PushRequest => {
    const body = Buffer.from(lines.map((l) => `${l}\n`).join(''));
    const timestamp = opts.ts ?? now();
    const force = opts.force ?? false;
    return { route, force, timestamp, body, signature: pushSignature(opts.key ?? routePushKey(STACK_KEY, route), route, force, timestamp, bodyDigest(body)) };
  };
  return { clock, store, rules, endpoint, deferred, signed, requested, gate, counts: () => ({ keyReads, routeReads }) };
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
    const first = signed('corp', addresses(3));
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
    expect((await endpoint.handle(signed('lab', ['a@lab.example.com']))).status).toBe(200);
  });
});

describe('RecipientPushEndpoint: answers', () => {
  it('200 with the counts; the next push names what changed', async () => {
    const { endpoint, signed, clock } = setup();
    expect(await endpoint.handle(signed('corp', addresses(450)))).toMatchObject({ status: 200, result: { added: 450, removed: 0, total: 450, version: 1, rulesPending: false } });
    clock.advance(1_000);
    const next = await endpoint.handle(signed('corp', [...addresses(440), 'new@example.com']));
    expect(next).toMatchObject({ status: 200, result: { added: 1, removed: 10, total: 441, version: 2 } });
    expect(next.message).toMatch(/1 added, 10 removed, 441 in all \(version 2\)/);
  });

  it('the guards: empty 422, outside the domains 422, over budget 422, a shrink 409 unless force (signed) is set', async () => {
    const { endpoint, signed, clock, store } = setup();
    const tick = () => clock.advance(1_000);
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
    expect((await endpoint.handle(signed('corp', addresses(100)))).status).toBe(200);
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
    expect(await deferred.handle(signed('corp', addresses(5)))).toMatchObject({ status: 200, result: { rulesPending: true, version: 1 }, message: expect.stringMatching(/being written/) });
    expect(requested).toEqual(['corp']);
    expect(rules.applied).toBe(0);
    expect((await store.read('corp'))?.appliedVersion).toBe(0);
  });
});
