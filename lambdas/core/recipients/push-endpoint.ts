// The primary pushes a route's list over HTTPS (POST /<route>/recipients):
// the public endpoint's use case. An anonymous caller gets no further than a
// size check and a signature check: it is refused, in this order, for a body
// over the largest cap (no secret read), a malformed, stale or future
// timestamp (no secret read), a bad HMAC over method, host, path, force,
// timestamp and the body's SHA-256 with the route's own key
// (push-signature.ts); only then are the routes read (unknown route: 404),
// the route's own body cap checked (413) and the route's gate claimed (a
// timestamp not newer than the last one let through is a replay: 401; a push
// within PUSH_MIN_INTERVAL_SECONDS of the last one let through: 429). The
// list then goes to SyncRecipients, whose guards answer 409/422 with their
// words. Every refusal is counted (RecipientPushRefused, its reason in the
// record), logged only once the caller proved it holds the route's key, so a
// flood writes no log lines; a stored push that removes addresses is counted
// in RecipientsRemoved, so an alarm sees a large (forced) removal.
import type { TriggerKey } from '../operator/ports.js';
import type { Clock, DeliveryLog, Metrics } from '../runtime/ports.js';
import { checkPushForm, checkPushSignature, bodyDigest } from './push-signature.js';
import { pushBodyLimit, MAX_PUSH_BODY_BYTES, PUSH_MIN_INTERVAL_SECONDS } from './push-limits.js';
import { RecipientPushRefused, type PushRefusal } from './push-refused.js';
import { RecipientRulesPending, type PushResult, type SyncRecipients } from './sync-recipients.js';
import type { SyncedRoute } from './synced-route.js';
import type { PushGate, RuleWriterRequester } from './ports.js';


export interface PushRequest {
  /** The host the request reached, as this side knows it: the function URL's domain, the runner's host:port. Signed. */
  host: string;
  route: string;
  force: boolean;
  timestamp?: string;
  signature?: string;
  body: Uint8Array;
}

export type PushStatus = 200 | 202 | 401 | 404 | 409 | 413 | 422 | 429 | 500 | 503;

/** HTTP-shaped, as the trigger's: the function URL and the local listener return it as it is. */
export interface PushAnswer {
  status: PushStatus;
  message: string;
  /** On 200: what the push changed. */
  result?: Omit<PushResult, 'rules'>;
  /** On a refusal by the guards: its reason (empty, shrink, outside-domains, ...). */
  reason?: PushRefusal;
  /** On 429: when the gate lets the route's next push through. */
  retryAfterSeconds?: number;
}

export interface PushEndpointDeps {
  /** The stack's recipient push key (not the trigger's); each route's push key is derived from it. */
  key: TriggerKey;
  gate: PushGate;
  /** The synced routes; read only once a call is authenticated. */
  routes: () => Promise<SyncedRoute[]>;
  sync: Pick<SyncRecipients, 'push'>;
  /** Present: the rules are written elsewhere (AWS); absent: the push writes them itself (local runner). */
  ruleWriter?: RuleWriterRequester;
  clock: Clock;
  log: Pick<DeliveryLog, 'info' | 'warn' | 'error'>;
  /** RecipientPushRefused and RecipientsRemoved, stack-wide; flushed after every call. */
  metrics: Pick<Metrics, 'stackCount' | 'flush'>;
  /** The cap checked before anything else: the largest synced route's (default: the function URL's). */
  maxBodyBytes?: number;
  /** The shortest time between two pushes of a route the gate lets through (default PUSH_MIN_INTERVAL_SECONDS). */
  minIntervalSeconds?: number;
}

const REFUSAL_STATUS: Record<PushRefusal, PushStatus> = {
  'unknown-route': 404,
  empty: 422,
  'invalid-address': 422,
  'outside-domains': 422,
  'over-budget': 422,
  shrink: 409,
  'first-push': 409,
  conflict: 409,
};

export class RecipientPushEndpoint {
  constructor(private readonly deps: PushEndpointDeps) {}

  async handle(request: PushRequest): Promise<PushAnswer> {
    try {
      return await this.answer(request);
    } finally {
      await this.deps.metrics.flush();
    }
  }

  /** A call refused before it became a request (wrong method, path or query): counted like every refusal. */
  async refusedHttp(why = 'http'): Promise<void> {
    this.deps.metrics.stackCount('RecipientPushRefused', 1, { why });
    await this.deps.metrics.flush();
  }

  private async answer(request: PushRequest): Promise<PushAnswer> {
    const { clock, log } = this.deps;
    const now = clock.now();
    const cap = this.deps.maxBodyBytes ?? MAX_PUSH_BODY_BYTES;
    if (request.body.byteLength > cap) return this.refuse({ status: 413, message: `body of ${request.body.byteLength} bytes is over the ${cap} bytes any synced route takes` }, 'too-large');
    // The form first: a malformed, stale or future call costs no secret read and no hash.
    const form = checkPushForm(request.timestamp, request.signature, now);
    if (!form.ok) return this.refuse({ status: 401, message: `not authenticated: ${form.why}` }, 'form');
    let secret: string;
    try {
      secret = await this.deps.key.secret();
    } catch (error) {
      log.error('recipient push: key unavailable', { error: (error as Error).message });
      return { status: 500, message: 'push key unavailable' };
    }
    const { host, route: name, force, timestamp, signature } = request;
    const check = checkPushSignature(secret, { host, route: name, force, timestamp, signature, bodySha256: bodyDigest(request.body) }, now);
    if (!check.ok) return this.refuse({ status: 401, message: `not authenticated: ${check.why}` }, 'signature');

    const route = (await this.deps.routes()).find((r) => r.name === request.route);
    if (!route) return this.refuse({ status: 404, message: `no route named "${request.route}" syncs its recipients`, reason: 'unknown-route' }, 'unknown-route', request.route);
    const limit = pushBodyLimit(route.maxAddresses);
    if (request.body.byteLength > limit) {
      const message = `body of ${request.body.byteLength} bytes is over route ${route.name}'s cap of ${limit} (recipientSync.maxAddresses = ${route.maxAddresses} at ${Math.round(limit / route.maxAddresses)} bytes a line)`;
      return this.refuse({ status: 413, message }, 'too-large', route.name);
    }
    const interval = this.deps.minIntervalSeconds ?? PUSH_MIN_INTERVAL_SECONDS;
    const gate = await this.deps.gate.claim(route.name, Number(request.timestamp), now, interval);
    if (!gate.passed) {
      return gate.why === 'too-soon'
        ? this.refuse({ status: 429, message: `route ${route.name} took a push less than ${interval} s ago; push again in ${gate.retryAfterSeconds} s`, retryAfterSeconds: gate.retryAfterSeconds }, 'too-soon', route.name)
        : this.refuse({ status: 401, message: `not authenticated: timestamp ${request.timestamp} is not newer than the last accepted push's (a replay, or two pushes in one second)` }, 'replay', route.name);
    }
    return this.push(route.name, request);
  }

  /** Counted in RecipientPushRefused; logged only once the caller proved it holds the route's key (`route` given). */
  private refuse(answer: PushAnswer, why: string, route?: string): PushAnswer {
    this.deps.metrics.stackCount('RecipientPushRefused', 1, { why });
    if (route !== undefined) this.deps.log.warn('recipient push refused', { route, why, status: answer.status });
    return answer;
  }

  private async push(route: string, request: PushRequest): Promise<PushAnswer> {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(request.body);
    } catch {
      return this.refuse({ status: 422, message: `route "${route}": the body is not UTF-8 text; nothing was changed`, reason: 'invalid-address' }, 'invalid-address', route);
    }
    const lines = text.split(/\r?\n/);
    const defer = this.deps.ruleWriter !== undefined;
    try {
      const { rules: _rules, ...result } = await this.deps.sync.push(route, lines, { force: request.force, source: 'push', deferRules: defer });
      if (defer && result.rulesPending) await this.requestRules(route, result);
      if (!result.unchanged && result.removed > 0) this.deps.metrics.stackCount('RecipientsRemoved', result.removed, { route, forced: String(request.force) });
      const counts = `${result.added} added, ${result.removed} removed, ${result.total} in all (version ${result.version})`;
      return { status: 200, message: `route ${route}: ${result.unchanged ? 'unchanged, ' : ''}${counts}${result.rulesPending ? '; receipt rules are being written' : '; receipt rules in place'}`, result };
    } catch (error) {
      if (error instanceof RecipientPushRefused) {
        return this.refuse({ status: REFUSAL_STATUS[error.reason], message: error.message, reason: error.reason }, error.reason, route);
      }
      if (error instanceof RecipientRulesPending) return { status: 202, message: error.message };
      throw error;
    }
  }

  private async requestRules(route: string, result: Omit<PushResult, 'rules'>): Promise<void> {
    await this.deps.ruleWriter!.requestRules(route).catch((error: Error) => {
      // The list is stored: the next push or deploy writes its rules.
      this.deps.log.error('recipient push: the rule writer could not be asked', { route, version: result.version, error: error.message });
    });
  }
}
