// The mail for a chaos run, generated from a seed: several recipients per
// message (all but the first only in the envelope, i.e. BCC), some null
// senders, some spam/virus verdicts, some messages near or past the end of
// the queue lifetime, on two routes (one with bounce policy 'dead-letter').
import type { BouncePolicy, Verdicts } from '../../../lambdas/core/model.js';
import { noticeFor, type NoticeDecision, type NoticeReason } from '../../../lambdas/core/outcome/notice-policy.js';
import { rawMessage } from '../aws/ses-events.js';
import type { SeededRandom } from './seeded-random.js';

export interface ChaosRoute {
  name: string;
  domain: string;
  bouncePolicy: BouncePolicy;
}

export interface ChaosMessage {
  messageId: string;
  route: string;
  sender: string;
  recipients: string[];
  verdicts: Verdicts;
  timestamp: Date;
  raw: Buffer;
  /** How a bounce (the primary refused) or an expiry of this message must be reported. */
  notices: Record<NoticeReason, NoticeDecision['kind']>;
  /** Virus FAIL: must be quarantined, never delivered. */
  quarantine: boolean;
}

export interface ChaosMailOptions {
  count: number;
  routes: ChaosRoute[];
  queueLifetimeSeconds: number;
  /** Share of messages whose lifetime ends during the run (within `expiringWithinSeconds`). */
  expiringShare: number;
  expiringWithinSeconds: number;
  /** Share already past their lifetime when first seen. */
  expiredShare: number;
  usersPerDomain: number;
  /** Share of addresses that do not exist (refused 5xx every time). */
  unknownShare: number;
}

const PASS: Verdicts = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' };

export function chaosMail(random: SeededRandom, options: ChaosMailOptions, now = new Date()) {
  const unknown = new Map<string, 'rcpt550' | 'rcpt554'>();
  const users = new Map<string, string[]>();
  for (const route of options.routes) {
    const list = Array.from({ length: options.usersPerDomain }, (_, i) => `user${i}@${route.domain}`);
    users.set(route.name, list);
    for (const address of list) if (random.chance(options.unknownShare)) unknown.set(address, random.chance(0.5) ? 'rcpt550' : 'rcpt554');
  }
  // Every run refuses with both permanent replies at least once.
  if (options.unknownShare > 0) {
    const known = [...users.values()].flat().filter((a) => !unknown.has(a));
    for (const kind of ['rcpt550', 'rcpt554'] as const) {
      if (![...unknown.values()].includes(kind) && known.length > 0) unknown.set(known.splice(random.int(0, known.length - 1), 1)[0]!, kind);
    }
  }
  const messages: ChaosMessage[] = [];
  for (let i = 0; i < options.count; i++) {
    const route = random.chance(0.75) ? options.routes[0]! : random.pick(options.routes);
    const recipients = random.sample(users.get(route.name)!, random.int(1, 4));
    const sender = random.chance(0.1) ? '' : `sender${random.int(1, 9)}@sender.example`;
    const verdicts: Verdicts = { ...PASS };
    if (random.chance(0.05)) verdicts.spam = 'FAIL';
    if (random.chance(0.01)) verdicts.virus = 'FAIL';
    const age = random.chance(options.expiredShare)
      ? options.queueLifetimeSeconds + random.int(1, 600)
      : random.chance(options.expiringShare)
        ? options.queueLifetimeSeconds - random.int(1, options.expiringWithinSeconds)
        : random.int(0, 120);
    const messageId = `zl${random.seed.toString(36)}x${i.toString().padStart(4, '0')}`;
    const body = random.chance(0.05) ? 'x'.repeat(76).concat('\r\n').repeat(random.int(500, 3000)) : `Message ${i}, caf\u00e9.\r\n.leading dot line\r\n`;
    const raw = Buffer.from(rawMessage({ messageId, sender, to: recipients[0], subject: `chaos ${i}`, body }), 'utf8');
    const message = { messageId, route: route.name, sender, recipients, verdicts, timestamp: new Date(now.getTime() - age * 1000), raw };
    const inbound = { ...message, receivedAt: message.timestamp, bucketName: '', objectKey: '' };
    const notices = { bounced: noticeFor(inbound, route.bouncePolicy, 'bounced').kind, expired: noticeFor(inbound, route.bouncePolicy, 'expired').kind };
    messages.push({ ...message, notices, quarantine: verdicts.virus === 'FAIL' });
  }
  return { messages, unknown };
}
