// doctor's checks that DSNs can leave: SES sends only to verified addresses
// while the account is in the sandbox, and only From a verified identity, so
// in a new account every bounce notice is refused and becomes a dead letter.
import { GetIdentityVerificationAttributesCommand, type SESClient } from '@aws-sdk/client-ses';
import { GetAccountCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { fail, ok, type CheckResult } from './check.js';

export const PRODUCTION_ACCESS_CHECK = 'SES production access';
export const DSN_IDENTITY_CHECK = 'DSN sender identity';

export async function checkProductionAccess(sesv2: SESv2Client, region: string): Promise<CheckResult> {
  const account = await sesv2.send(new GetAccountCommand({}));
  if (account.SendingEnabled === false) {
    return fail(PRODUCTION_ACCESS_CHECK, `sending is disabled for this account in ${region}: no DSN can be sent`, 'see the SES console (Account dashboard) for why AWS paused sending, and ask AWS support to re-enable it');
  }
  if (account.ProductionAccessEnabled) return ok(PRODUCTION_ACCESS_CHECK, `the account is out of the SES sandbox in ${region}`);
  return fail(
    PRODUCTION_ACCESS_CHECK,
    `the account is in the SES sandbox in ${region}: DSNs to unverified senders are refused and become dead letters`,
    'SES console → Account dashboard → Request production access (or `aws sesv2 put-account-details --production-access-enabled --mail-type TRANSACTIONAL ...`)',
  );
}

/** The hostname and each parent domain: SES accepts a From under any verified one. */
export function identityCandidates(hostname: string): string[] {
  const labels = hostname.toLowerCase().split('.');
  return labels.slice(0, -1).map((_, i) => labels.slice(i).join('.'));
}

export async function checkDsnIdentity(ses: SESClient, hostname: string): Promise<CheckResult> {
  const candidates = identityCandidates(hostname);
  const { VerificationAttributes = {} } = await ses.send(new GetIdentityVerificationAttributesCommand({ Identities: candidates }));
  const verified = candidates.find((c) => VerificationAttributes[c]?.VerificationStatus === 'Success');
  if (verified) return ok(DSN_IDENTITY_CHECK, `MAILER-DAEMON@${hostname} is under the verified identity ${verified}`);
  const parent = candidates[1] ?? candidates[0]!;
  return fail(
    DSN_IDENTITY_CHECK,
    `no verified SES identity covers ${hostname}: SES refuses DSNs from MAILER-DAEMON@${hostname}`,
    `verify ${parent} in SES (aws ses verify-domain-identity --domain ${parent}), or set backupMx.hostname under a verified domain and deploy`,
  );
}
