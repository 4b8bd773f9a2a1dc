// The canary's whole round trip in the local backup MX, as `npm start` runs
// it: the same SendCanary use case sends through the SES stand-in (real SMTP),
// whose canary rule stores it in S3 and publishes to the first route's topic
// (SNS → SQS); the accept step measures it (CanaryRoundTripSeconds), the probe
// sees mail waiting and the drain drops it. The primary, a real SMTP server on
// loopback and up the whole time, sees no transaction for it; a forged canary
// (the canary address, an unsigned Subject) reaches the primary like any mail.
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalBackupMx } from '../../local/runner/local-backup-mx.js';
import { DynamoCanaryArrivals } from '../../lambdas/adapters/aws/dynamo-problem-records.js';
import { ScriptedPrimary } from '../support/smtp/scripted-primary.js';
import { cleanups, runnerEnv, sendMail, startMx, tempDir, waitFor, writeContextFile } from '../support/runner/e2e-support.js';

const ADDRESS = 'canary@canary.example.com';

describe('the canary end to end (local runner, SES stand-in, emulators, a real primary)', () => {
  const cleanup = cleanups();
  let primary: ScriptedPrimary;
  let mx: LocalBackupMx;
  let lines: string[];

  beforeAll(async () => {
    primary = await ScriptedPrimary.start({ starttls: 'off' });
    cleanup.add(() => primary.stop());
    const dir = await tempDir(cleanup);
    const contextFile = await writeContextFile(dir, [{ name: 'main', domains: ['example.com'], primaryPort: primary.port }]);
    ({ mx, lines } = await startMx(runnerEnv(contextFile, { BACKUPMX_DATA_DIR: undefined }), cleanup));
    await waitFor('the probe to see the primary up', () => lines.some((l) => /primary main up/.test(l)));
  });

  afterAll(() => cleanup.run());

  const canaryTransactions = () => primary.commands.filter((c) => /canary/i.test(c));

  it('sends, arrives at the accept step with its round trip, and is dropped by the drain without reaching the primary', async () => {
    const arrived = mx.events.next('canary');
    const dropped = mx.events.next('drain', (summary) => (summary.canaries ?? 0) > 0, 15_000);
    const sent = await mx.sendCanary();
    expect(sent).toMatchObject({ sent: true });

    const canary = await arrived;
    expect(canary.roundTripSeconds).toBeGreaterThanOrEqual(0);
    expect(canary.roundTripSeconds).toBeLessThan(10);
    expect(mx.metrics.canaryRoundTrips).toEqual([canary.roundTripSeconds]);
    // Recorded for the probe's canary-missing (stack#canary), in the state table.
    expect(await new DynamoCanaryArrivals(mx.composed.clients.doc, mx.engine.settings.tableName).last()).toMatchObject({ roundTripSeconds: canary.roundTripSeconds });

    // Not queued mail: no index entry, so no mailq line, backlog or age.
    expect(await mx.composed.deps.index.find(canary.messageId)).toEqual([]);
    // The probe saw it in the queue (SQS) and started a drain, which dropped it.
    const summary = await dropped;
    expect(summary).toMatchObject({ route: 'main', canaries: 1, delivered: 0, deadLettered: 0, bounced: 0 });
    const route = mx.engine.route('main');
    const left = await mx.composed.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: route.queueUrl, WaitTimeSeconds: 0, VisibilityTimeout: 0 }));
    expect(left.Messages ?? []).toEqual([]);
    expect((await mx.composed.deps.ledger.outcomes(canary.messageId)).size).toBe(0);
    // The primary was up the whole time: it saw probes, never the canary.
    expect(primary.messages).toEqual([]);
    expect(canaryTransactions()).toEqual([]);
    expect(lines.some((l) => l.includes(`canary dropped before delivery route=main messageId=${canary.messageId}`))).toBe(true);
  });

  it('a forged canary (the canary address, a Subject the key did not sign) is delivered to the primary like any mail', async () => {
    const forged = Buffer.from(
      [`From: someone@sender.test`, `To: ${ADDRESS}`, `Subject: backup-mx canary v1 ${Date.now()} ${'0'.repeat(32)}`, 'Message-ID: <forged.1@sender.test>', '', 'not from the stack', ''].join('\r\n'),
    );
    const outcome = await sendMail(mx.smtpPort, 'someone@sender.test', [ADDRESS], forged);
    expect(outcome.response).toMatch(/^250 /);
    await primary.waitForMessages(1, 15_000);
    expect(primary.messages.map((m) => [m.from, m.to])).toEqual([['someone@sender.test', [ADDRESS]]]);
    expect(mx.metrics.canaryRoundTrips).toHaveLength(1); // measured nothing
  });

  it('the canary rule takes only the canary address: any other address of its subdomain is refused at RCPT', async () => {
    const refused = await sendMail(mx.smtpPort, 'someone@sender.test', ['postmaster@canary.example.com'], Buffer.from('Subject: x\r\n\r\nx\r\n')).then(
      () => undefined,
      (error: { rejectedErrors?: { responseCode?: number }[] }) => error,
    );
    expect(refused?.rejectedErrors?.map((e) => e.responseCode)).toEqual([550]);
  });
});
