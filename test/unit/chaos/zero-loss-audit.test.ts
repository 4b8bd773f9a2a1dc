// The zero-loss audit must be able to fail: a copy that differs from the
// stored message anywhere (not only in its first bytes or its tail), and a
// sender told twice about one recipient, are violations.
import { describe, expect, it } from 'vitest';
import { InMemoryLedger } from '../../../lambdas/adapters/fakes/index.js';
import { buildDsn } from '../../../lambdas/core/outcome/dsn.js';
import type { InboundMessage } from '../../../lambdas/core/model.js';
import { receivedHeader } from '../../../lambdas/core/message/received-header.js';
import type { ChaosMessage } from '../../support/chaos/chaos-mail.js';
import { auditZeroLoss, type AuditInput } from '../../support/chaos/zero-loss-audit.js';
import { rawMessage } from '../../support/aws/ses-events.js';
import type { ReceivedMessage } from '../../../local/smtp-peer/peer-steps.js';

const HOST = 'backup-mx.test';
const at = new Date('2026-01-05T10:00:00Z');
const PASS = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' } as const;

/** One message to bob (delivered) and gone (bounced, told by one DSN): a clean run. */
async function cleanRun() {
  const raw = Buffer.from(rawMessage({ messageId: 'zl1', sender: 'alice@sender.example', to: 'bob@example.com', body: 'Hello.\r\n.leading dot\r\n' }), 'utf8');
  const message: ChaosMessage = {
    messageId: 'zl1', route: 'main', sender: 'alice@sender.example', recipients: ['bob@example.com', 'gone@example.com'],
    verdicts: { ...PASS }, timestamp: at, raw, notices: { bounced: 'dsn', expired: 'dsn' }, quarantine: false,
  };
  const ledger = new InMemoryLedger();
  const ok = { code: 250, text: 'Ok' };
  const unknown = { code: 550, enhanced: '5.1.1', text: 'User unknown' };
  await ledger.record('zl1', { recipient: 'bob@example.com', state: 'delivered', reply: ok, attempts: 1, updatedAt: at });
  await ledger.record('zl1', { recipient: 'gone@example.com', state: 'bounced', reply: unknown, attempts: 1, updatedAt: at, notice: 'done' });
  await ledger.addAttempt({ messageId: 'zl1', recipient: 'bob@example.com', at, relay: 'primary', state: 'delivered', reply: ok, delaySeconds: 1 });
  await ledger.addAttempt({ messageId: 'zl1', recipient: 'gone@example.com', at, relay: 'primary', state: 'bounced', reply: unknown, delaySeconds: 1 });
  const trace = receivedHeader({ fromHost: 'inbound-smtp.us-east-1.amazonaws.com', byHost: HOST, messageId: 'zl1', recipients: ['bob@example.com', 'gone@example.com'], at });
  const copy: ReceivedMessage = {
    queueId: 'q1', from: 'alice@sender.example', to: ['bob@example.com'], raw: Buffer.concat([Buffer.from(trace, 'latin1'), raw]),
    size: 0, sha256: '', mailParams: {}, secure: false, connection: 1, transaction: 1, droppedAfterDot: false, at,
  };
  const inbound: InboundMessage = { messageId: 'zl1', receivedAt: at, sender: 'alice@sender.example', recipients: message.recipients, bucketName: 'b', objectKey: 'k', verdicts: { ...PASS } };
  const dsn = buildDsn({ hostname: HOST, message: inbound, recipients: [{ recipient: 'gone@example.com', status: '5.1.1', reply: unknown }], reason: 'bounced', now: at });
  const input: AuditInput = { messages: [message], ledger, received: [copy], dsns: [dsn], deadLetters: [], afterDotWarnings: new Set(), hostname: HOST };
  return { input, copy, dsn, trace, raw };
}

describe('the zero-loss audit', () => {
  it('passes a clean run', async () => {
    const { input } = await cleanRun();
    const { violations, counts } = await auditZeroLoss(input);
    expect(violations).toEqual([]);
    expect(counts).toMatchObject({ pairs: 2, delivered: 1, bounced: 1, duplicateDsns: 0 });
  });

  it('finds bytes changed anywhere: a header slipped in behind ours, a byte in the middle, a second trace header', async () => {
    const { input, copy, trace, raw } = await cleanRun();
    const middle = Buffer.from(raw);
    middle[Math.floor(middle.length / 2)] ^= 0x20;
    const variants = {
      'an extra header after ours': Buffer.concat([Buffer.from(trace + 'X-Added: 1\r\n', 'latin1'), raw]),
      'a changed byte in the middle': Buffer.concat([Buffer.from(trace, 'latin1'), middle]),
      'two trace headers': Buffer.concat([Buffer.from(trace + trace, 'latin1'), raw]),
      'another host in by': Buffer.concat([Buffer.from(trace.replace(HOST, 'evil.test'), 'latin1'), raw]),
    };
    for (const [name, bytes] of Object.entries(variants)) {
      const { violations } = await auditZeroLoss({ ...input, received: [{ ...copy, raw: bytes }] });
      expect(violations, name).toContainEqual(expect.stringContaining('bytes changed in transit'));
    }
  });

  it('counts a sender told twice about one recipient', async () => {
    const { input, dsn } = await cleanRun();
    const { violations, counts } = await auditZeroLoss({ ...input, dsns: [dsn, { ...dsn }] });
    expect(counts.duplicateDsns).toBe(1);
    expect(violations).toContainEqual(expect.stringContaining('named in 2 DSNs'));
  });
});
