// In-memory fakes of the feature ports (core/feature-ports.ts).
import type { ArchivedEnvelope, DelayNoticeRecord, DelayNotices, EnvelopeArchive, TriggerGate, TriggerKey } from '../../core/feature-ports.js';

export class InMemoryTriggerGate implements TriggerGate {
  readonly last = new Map<string, Date>();
  async claim(route: string, now: Date, minIntervalSeconds: number): Promise<boolean> {
    const last = this.last.get(route);
    if (last && now.getTime() - last.getTime() < minIntervalSeconds * 1000) return false;
    this.last.set(route, new Date(now));
    return true;
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
  async claim(record: DelayNoticeRecord): Promise<boolean> {
    const k = `${record.route}/${record.messageId}`;
    if (this.records.has(k)) return false;
    this.records.set(k, structuredClone(record));
    return true;
  }
  async release(messageId: string, route: string): Promise<void> {
    this.records.delete(`${route}/${messageId}`);
  }
  async get(messageId: string, route: string): Promise<DelayNoticeRecord | undefined> {
    const found = this.records.get(`${route}/${messageId}`);
    return found && structuredClone(found);
  }
}
