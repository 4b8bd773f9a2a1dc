// Health, leases, holds, maintenance windows, redirects and sweep times per route, in memory.
import type { PrimaryHealth } from '../../core/model.js';
import type { PrimaryRedirect } from '../../core/probe/effective-primary.js';
import { transitionExpired, type HealthTransition } from '../../core/probe/health-history.js';
import type { RouteWindows } from '../../core/probe/maintenance-windows.js';
import type { RouteControls, RouteState } from '../../core/probe/ports.js';
import type { FaultInjector } from './fault-injector.js';

type Operation = 'health' | 'saveHealth' | 'controls' | 'recordTransition' | 'healthTransitions' | 'acquireLease' | 'releaseLease' | 'hold' | 'setHold' | 'windows' | 'saveWindows' | 'redirect' | 'setRedirect' | 'claimSweep' | 'continueSweep' | 'lastSweep';

export class InMemoryRouteState implements RouteState {
  readonly healths = new Map<string, PrimaryHealth>();
  readonly leases = new Map<string, { owner: string; leaseUntil: Date }>();
  readonly holds = new Map<string, { since: Date; reason?: string }>();
  readonly maintenance = new Map<string, RouteWindows & { version: number }>();
  readonly redirects = new Map<string, PrimaryRedirect>();
  readonly sweeps = new Map<string, Date>();
  /** Recorded up/down transitions per route, in the order written (as stored: expired ones stay, like DynamoDB's late TTL). */
  readonly transitions = new Map<string, HealthTransition[]>();
  /** How many times each operation was called: a caller that reads the controls separately shows here. */
  readonly calls: Partial<Record<Operation, number>> = {};
  /** Routes whose last sweep asked for another one at once. */
  readonly sweepsToContinue = new Set<string>();
  /** Every saved health, in order. */
  readonly healthHistory: PrimaryHealth[] = [];
  /** Set to make the next call of that operation throw (a throttled or failed DynamoDB call). */
  failNext: Partial<Record<Operation, Error>> = {};
  /** Seeded failures per operation (`routeState.hold`, `routeState.acquireLease`, ...). */
  faults?: FaultInjector;

  async health(route: string): Promise<PrimaryHealth | undefined> {
    this.throwIfFailing('health');
    const found = this.healths.get(route);
    return found && structuredClone(found);
  }

  async saveHealth(health: PrimaryHealth): Promise<void> {
    this.throwIfFailing('saveHealth');
    this.healths.set(health.route, structuredClone(health));
    this.healthHistory.push(structuredClone(health));
  }

  async controls(route: string, options?: { withHealth?: boolean }): Promise<RouteControls> {
    this.throwIfFailing('controls');
    // A failure set for one of the parts fails the whole read, as one BatchGetItem does: never a partial answer.
    for (const part of ['hold', 'windows', 'redirect', ...(options?.withHealth ? ['health' as const] : [])] as const) this.throwIfFailNext(part);
    const hold = this.holds.get(route);
    const redirect = this.redirects.get(route);
    const health = options?.withHealth ? this.healths.get(route) : undefined;
    return structuredClone({
      ...(hold ? { hold } : {}),
      windows: this.maintenance.get(route) ?? { windows: [], version: 0 },
      ...(redirect ? { redirect } : {}),
      ...(health ? { health } : {}),
    });
  }

  async recordTransition(route: string, transition: HealthTransition): Promise<void> {
    this.throwIfFailing('recordTransition');
    const list = this.transitions.get(route) ?? [];
    // One item per instant, as the table's sort key `health#<ISO time>` keeps it.
    this.transitions.set(route, [...list.filter((t) => t.at.getTime() !== transition.at.getTime()), structuredClone(transition)]);
  }

  async healthTransitions(route: string, since: Date, now: Date): Promise<HealthTransition[]> {
    this.throwIfFailing('healthTransitions');
    const kept = (this.transitions.get(route) ?? []).filter((t) => !transitionExpired(t.at, now)).sort((a, b) => a.at.getTime() - b.at.getTime());
    const before = kept.filter((t) => t.at.getTime() < since.getTime()).at(-1);
    return structuredClone([...(before ? [before] : []), ...kept.filter((t) => t.at.getTime() >= since.getTime())]);
  }

  async acquireLease(route: string, owner: string, now: Date, until: Date): Promise<boolean> {
    this.throwIfFailing('acquireLease');
    const current = this.leases.get(route);
    if (current && current.owner !== owner && current.leaseUntil.getTime() > now.getTime()) return false;
    this.leases.set(route, { owner, leaseUntil: new Date(until) });
    return true;
  }

  async releaseLease(route: string, owner: string): Promise<void> {
    this.throwIfFailing('releaseLease');
    if (this.leases.get(route)?.owner === owner) this.leases.delete(route);
  }

  async hold(route: string): Promise<{ since: Date; reason?: string } | undefined> {
    this.throwIfFailing('hold');
    const found = this.holds.get(route);
    return found && structuredClone(found);
  }

  async setHold(route: string, hold: { since: Date; reason?: string } | undefined): Promise<void> {
    this.throwIfFailing('setHold');
    if (hold) this.holds.set(route, structuredClone(hold));
    else this.holds.delete(route);
  }

  async windows(route: string): Promise<RouteWindows & { version: number }> {
    this.throwIfFailing('windows');
    return structuredClone(this.maintenance.get(route) ?? { windows: [], version: 0 });
  }

  async saveWindows(route: string, windows: RouteWindows, version: number): Promise<boolean> {
    this.throwIfFailing('saveWindows');
    if ((this.maintenance.get(route)?.version ?? 0) !== version) return false;
    this.maintenance.set(route, { ...structuredClone(windows), version: version + 1 });
    return true;
  }

  async redirect(route: string): Promise<PrimaryRedirect | undefined> {
    this.throwIfFailing('redirect');
    const found = this.redirects.get(route);
    return found && structuredClone(found);
  }

  async setRedirect(route: string, redirect: PrimaryRedirect | undefined): Promise<void> {
    this.throwIfFailing('setRedirect');
    if (redirect) this.redirects.set(route, structuredClone(redirect));
    else this.redirects.delete(route);
  }

  async claimSweep(route: string, now: Date, intervalSeconds: number): Promise<boolean> {
    this.throwIfFailing('claimSweep');
    const last = this.sweeps.get(route);
    if (last && now.getTime() - last.getTime() < intervalSeconds * 1000 && !this.sweepsToContinue.has(route)) return false;
    this.sweeps.set(route, new Date(now));
    this.sweepsToContinue.delete(route);
    return true;
  }

  async continueSweep(route: string): Promise<void> {
    this.throwIfFailing('continueSweep');
    if (this.sweeps.has(route)) this.sweepsToContinue.add(route);
  }

  async lastSweep(route: string): Promise<Date | undefined> {
    this.throwIfFailing('lastSweep');
    const found = this.sweeps.get(route);
    return found && new Date(found);
  }

  private throwIfFailing(op: Operation): void {
    this.calls[op] = (this.calls[op] ?? 0) + 1;
    this.throwIfFailNext(op);
    this.faults?.check(`routeState.${op}`);
  }

  private throwIfFailNext(op: Operation): void {
    const error = this.failNext[op];
    if (error) {
      delete this.failNext[op];
      throw error;
    }
  }
}
