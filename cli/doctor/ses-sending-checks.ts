// doctor's checks that DSNs can leave: SES sends only to verified addresses
// while the account is in the sandbox, and only From a verified identity, so
// in a new account every bounce notice is refused and becomes a dead letter.
import { GetIdentityVerificationAttributesCommand, type SESClient } from '@aws-sdk/client-ses';
import { GetAccountCommand, GetConfigurationSetCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { fail, ok, warn, type CheckResult } from './check.js';

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

export const SUPPRESSION_CHECK = 'SES suppression list';
export const NOTICE_SENDING_CHECK = 'DSN configuration set';

/**
 * The account-level suppression list should cover bounces and complaints: an
 * address that bounced once is then not mailed again by anything in the
 * account. Our notices' configuration set suppresses both on its own; the
 * account's other sending relies on this setting.
 */
export async function checkSuppressionList(sesv2: SESv2Client): Promise<CheckResult> {
  const account = await sesv2.send(new GetAccountCommand({}));
  const reasons = new Set(account.SuppressionAttributes?.SuppressedReasons ?? []);
  const missing = (['BOUNCE', 'COMPLAINT'] as const).filter((reason) => !reasons.has(reason)).map((reason) => (reason === 'BOUNCE' ? 'bounces' : 'complaints'));
  if (missing.length === 0) return ok(SUPPRESSION_CHECK, 'the account suppresses addresses that bounced or complained');
  return warn(
    SUPPRESSION_CHECK,
    `the account-level suppression list does not cover ${missing.join(' or ')}: the account's other sending may mail such addresses again and raise its bounce or complaint rate (the DSNs' own configuration set suppresses both anyway)`,
    'aws sesv2 put-account-suppression-attributes --suppressed-reasons BOUNCE COMPLAINT',
  );
}

/** Whether SES sends through the notices' configuration set, or its reputation alarm paused it. */
export async function checkNoticeSending(sesv2: SESv2Client, name: string | undefined): Promise<CheckResult> {
  if (!name) return warn(NOTICE_SENDING_CHECK, 'the deployed drain names no configuration set for its DSNs (deployed before backup-mx had one)', 'deploy this version: DSNs then go through their own configuration set with reputation alarms');
  const set = await sesv2.send(new GetConfigurationSetCommand({ ConfigurationSetName: name }));
  if (set.SendingOptions?.SendingEnabled === false) {
    return fail(
      NOTICE_SENDING_CHECK,
      `sending through ${name} is PAUSED (its bounce or complaint rate alarm fired): DSNs are held, not sent`,
      'look at why they bounced (`backup-mx notices`, the SES console), then `backup-mx notices resume` and `backup-mx notices send --all`',
    );
  }
  return ok(NOTICE_SENDING_CHECK, `DSNs go through ${name}, sending enabled`);
}
