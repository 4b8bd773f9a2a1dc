// Health, leases, holds and sweep times per route, in memory.
import type { PrimaryHealth } from '../../core/model.js';
import type { RouteState } from '../../core/ports.js';

export class InMemoryRouteState implements RouteState {
  readonly healths = new Map<string, PrimaryHealth>();
  readonly leases = new Map<string, { owner: string; leaseUntil: Date }>();
  readonly holds = new Map<string, { since: Date; reason?: string }>();
  readonly sweeps = new Map<string, Date>();
  /** Routes whose last sweep asked for another one at once. */
  readonly sweepsToContinue = new Set<string>();
  /** Every saved health, in order. */
  readonly healthHistory: PrimaryHealth[] = [];

  async health(route: string): Promise<PrimaryHealth | undefined> {
    const found = this.healths.get(route);
    return found && structuredClone(found);
  }

  async saveHealth(health: PrimaryHealth): Promise<void> {
    this.healths.set(health.route, structuredClone(health));
    this.healthHistory.push(structuredClone(health));
  }

  async acquireLease(route: string, owner: string, now: Date, until: Date): Promise<boolean> {
    const current = this.leases.get(route);
    if (current && current.owner !== owner && current.leaseUntil.getTime() > now.getTime()) return false;
    this.leases.set(route, { owner, leaseUntil: new Date(until) });
    return true;
  }

  async releaseLease(route: string, owner: string): Promise<void> {
    if (this.leases.get(route)?.owner === owner) this.leases.delete(route);
  }

  async hold(route: string): Promise<{ since: Date; reason?: string } | undefined> {
    const found = this.holds.get(route);
    return found && structuredClone(found);
  }

  async setHold(route: string, hold: { since: Date; reason?: string } | undefined): Promise<void> {
    if (hold) this.holds.set(route, structuredClone(hold));
    else this.holds.delete(route);
  }

  async claimSweep(route: string, now: Date, intervalSeconds: number): Promise<boolean> {
    const last = this.sweeps.get(route);
    if (last && now.getTime() - last.getTime() < intervalSeconds * 1000 && !this.sweepsToContinue.has(route)) return false;
    this.sweeps.set(route, new Date(now));
    this.sweepsToContinue.delete(route);
    return true;
  }

  async continueSweep(route: string): Promise<void> {
    if (this.sweeps.has(route)) this.sweepsToContinue.add(route);
  }

  async lastSweep(route: string): Promise<Date | undefined> {
    const found = this.sweeps.get(route);
    return found && new Date(found);
  }
}
