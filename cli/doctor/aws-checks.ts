// The checks that ask AWS: the region can receive, each domain identity is
// verified, our receipt rule set is the active one (where alarms go:
// alarm-channel-checks.ts).
import { DescribeActiveReceiptRuleSetCommand, GetIdentityVerificationAttributesCommand, type SESClient } from '@aws-sdk/client-ses';
import { sesReceivesMailIn } from '../../lib/config/ses-receiving-regions.js';
import { MAIL_PREFIX } from '../../lambdas/config/mail-layout.js';
import { fail, ok, warn, type CheckResult } from './check.js';

export function checkRegion(region: string): CheckResult {
  return sesReceivesMailIn(region)
    ? ok('SES receiving region', `${region} receives mail`)
    : fail('SES receiving region', `SES does not receive mail in ${region}`, 'deploy the stack in a region with SES receiving (see lib/config/ses-receiving-regions.ts)');
}

export async function checkIdentities(ses: SESClient, domains: string[]): Promise<CheckResult[]> {
  const { VerificationAttributes = {} } = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: domains }));
  return domains.map((domain) => {
    const name = `SES identity ${domain}`;
    const status = VerificationAttributes[domain]?.VerificationStatus;
    if (status === 'Success') return ok(name, 'verified');
    if (status === 'Pending') {
      return warn(name, 'verification pending', `publish the TXT record _amazonses.${domain} (or the DKIM CNAMEs) SES gave you; it verifies within 72 h`);
    }
    return fail(
      name,
      status ? `verification ${status}` : 'not an SES identity in this region',
      `verify it: aws ses verify-domain-identity --domain ${domain}, then publish the TXT record it returns`,
    );
  });
}

export async function checkRuleSet(ses: SESClient, ruleSetName: string | undefined, hostRuleSetName?: string): Promise<CheckResult> {
  const name = 'SES receipt rule set';
  if (!ruleSetName) return warn(name, 'the stack names no receipt rule set', 'redeploy the stack; its InboundRuleSet resource is missing');
  const { Metadata, Rules = [] } = await ses.send(new DescribeActiveReceiptRuleSetCommand({}));
  const active = Metadata?.Name;
  if (active === ruleSetName) return ok(name, `${ruleSetName} is active`);
  if (hostRuleSetName && active === hostRuleSetName) {
    // Our rules are to be copied there: each stores into our bucket under mail/<route>/.
    const copied = Rules.filter((rule) => rule.Actions?.some((action) => action.S3Action?.ObjectKeyPrefix?.startsWith(MAIL_PREFIX)));
    if (copied.length > 0) return ok(name, `${hostRuleSetName} is active with ${copied.length} rule${copied.length === 1 ? '' : 's'} storing under ${MAIL_PREFIX} (copied from ${ruleSetName})`);
    return fail(name, `${hostRuleSetName} is active but has no rule storing under ${MAIL_PREFIX}: our rules were not copied into it`, `copy the rules of ${ruleSetName} into ${hostRuleSetName} (SES console → Email receiving), keeping their S3 actions`);
  }
  const fix = `aws ses set-active-receipt-rule-set --rule-set-name ${ruleSetName}`;
  if (!active) return fail(name, `no rule set is active: SES receives nothing in this region`, fix);
  return fail(name, `another rule set is active (${active}): our rules do not run`, `merge the rules or, if ${active} is not needed, ${fix}`);
}
