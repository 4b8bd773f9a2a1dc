// Review of issue 17 (backscatter vs invariants 1 and 10): a recipient the
// primary refuses with a 5xx, whose sender did not authenticate (no SPF PASS:
// no SPF record, neutral or softfail, a forwarder, a mailing list), is now
// "notice suppressed": recorded in the ledger, counted in NoticesSuppressed,
// the queue entry deleted, nobody told and no dead letter. That is right for
// spam to unknown users. But a primary that comes back misconfigured and
// refuses everything ("554 5.7.1 Relay access denied" after a relay or egress
// address change, "550 5.1.1 User unknown" with its directory unreachable)
// makes every such message leave the queue silently: before issue 17 it earned
// a DSN or a dead letter (DeadLetterQueueNotEmpty); now no alarm of the stack
// reads NoticesSuppressed, and the authenticated senders' DSNs stay within the
// budget, so NoticesHeld does not fire either. Fails now; passes once an alarm
// per route watches the suppressed refusals (a sustained count, or their share
// of what the route delivered), so a person hears that mail is being refused.
import { describe, expect, it } from 'vitest';
import { buildStack, resources } from '../unit/cdk/stack-fixture.js';

const { template } = buildStack();
const alarms = Object.values(resources(template, 'AWS::CloudWatch::Alarm'));

describe('review: mail the primary refuses with nobody to tell still reaches a person', () => {
  it('some alarm reads NoticesSuppressed', () => {
    expect(alarms.some((a) => JSON.stringify(a.Properties).includes('NoticesSuppressed'))).toBe(true);
  });
});
