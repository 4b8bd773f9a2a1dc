// In-memory fakes of the feature ports (core/accept, outcome, operator and sweep ports.ts).
import type { ArchivedEnvelope, EnvelopeArchive } from '../../core/accept/ports.js';
import type { DelayNoticeRecord, DelayNotices } from '../../core/outcome/ports.js';
import type { GateAnswer, TriggerGate, TriggerKey } from '../../core/operator/ports.js';

export class InMemoryTriggerGate implements TriggerGate {
  readonly last = new Map<string, { at: Date; timestamp: number }>();
  async claim(route: string, timestamp: number, now: Date, minIntervalSeconds: number): Promise<GateAnswer> {
    const last = this.last.get(route);
    const waitMs = last ? last.at.getTime() + minIntervalSeconds * 1000 - now.getTime() : 0;
    if (waitMs > 0) return { passed: false, why: 'too-soon', retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
    if (last && timestamp <= last.timestamp) return { passed: false, why: 'not-newer' };
    this.last.set(route, { at: new Date(now), timestamp });
    return { passed: true };
  }
}

export class StaticTriggerKey implements TriggerKey {
  constructor(private readonly value: string) {}
  async secret(): Promise<string> {
    return this.value;
  }
}

export class InMemoryEnvelopeArchive implements EnvelopeArchive {
  readonly items = new Map<string, { envelope: ArchivedEnvelope; expiresAt: Date }>();
  async keep(envelope: ArchivedEnvelope, expiresAt: Date): Promise<void> {
    this.items.set(`${envelope.route}/${envelope.messageId}/${envelope.copy ?? ''}`, { envelope: { ...envelope }, expiresAt: new Date(expiresAt) });
  }
  async list(route: string, since: Date, until: Date): Promise<ArchivedEnvelope[]> {
    return [...this.items.values()]
      .map((i) => i.envelope)
      .filter((e) => e.route === route && e.receivedAt >= since && e.receivedAt < until)
      .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
      .map((e) => ({ ...e }));
  }
}

export class InMemoryDelayNotices implements DelayNotices {
  readonly records = new Map<string, DelayNoticeRecord>();
  private static key(messageId: string, route: string, copy?: string): string {
    return `${route}/${messageId}/${copy ?? ''}`;
  }
  async claim(record: DelayNoticeRecord): Promise<boolean> {
    const k = InMemoryDelayNotices.key(record.messageId, record.route, record.copy);
    if (this.records.has(k)) return false;
    this.records.set(k, structuredClone(record));
    return true;
  }
  async release(messageId: string, route: string, copy?: string): Promise<void> {
    this.records.delete(InMemoryDelayNotices.key(messageId, route, copy));
  }
  async get(messageId: string, route: string, copy?: string): Promise<DelayNoticeRecord | undefined> {
    const found = copy ? this.records.get(InMemoryDelayNotices.key(messageId, route, copy)) : (this.records.get(InMemoryDelayNotices.key(messageId, route)) ?? (await this.find(messageId, route))[0]);
    return found && structuredClone(found);
  }
  async find(messageId: string, route: string): Promise<DelayNoticeRecord[]> {
    return [...this.records.values()].filter((r) => r.messageId === messageId && r.route === route).map((r) => structuredClone(r));
  }
}
