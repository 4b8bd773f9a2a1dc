// `backup-mx doctor`: checks the setup and says what to fix, one line each.
// DNS and the primary are checked from where the command runs; the AWS-only
// checks are skipped for --local.
import type { SESClient } from '@aws-sdk/client-ses';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { checkDsnIdentity, checkNoticeSending, checkProductionAccess, checkSuppressionList, DSN_IDENTITY_CHECK, NOTICE_SENDING_CHECK, PRODUCTION_ACCESS_CHECK, SUPPRESSION_CHECK } from '../doctor/ses-sending-checks.js';
import { checkBackscatter } from '../doctor/backscatter-check.js';
import { SmtpProbe } from '../../lambdas/adapters/smtp/smtp-probe.js';
import type { PrimaryProbe } from '../../lambdas/core/probe/ports.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../errors.js';
import { alarmChannelChecks } from '../doctor/alarm-channel-checks.js';
import { checkIdentities, checkRegion, checkRuleSet } from '../doctor/aws-checks.js';
import { deadLetterQueueCheck, unrecordedCopies } from '../dead-letter-report.js';
import { fail, guarded, ok, skip, warn, type CheckResult } from '../doctor/check.js';
import { checkMx, mxLookup, type MxLookup, type MxRecord } from '../doctor/mx-check.js';
import { checkPrimaryKind } from '../doctor/primary-kind-check.js';
import { CANARY_MX_CHECK, checkCanaryMx } from '../doctor/canary-check.js';
import { checkPushConcurrency, checkTriggerConcurrency, PUSH_CONCURRENCY_CHECK, TRIGGER_CONCURRENCY_CHECK } from '../doctor/trigger-concurrency-check.js';
import { checkTriggerKey, TRIGGER_KEY_CHECK } from '../doctor/trigger-key-check.js';
import { checkMtaSts, mtaStsResolver, type MtaStsDeps } from '../doctor/mta-sts-check.js';
import { checkCertificate, checkFingerprint, checkSize, readPrimarySession } from '../doctor/primary-smtp-check.js';
import { table } from '../format.js';
import type { AccountReaders, Target } from '../target.js';

export interface DoctorOptions {
  json?: boolean;
  /** "host:port" of the DNS server to ask; the system's when absent. */
  dnsServer?: string;
  /** For tests: replaces the DNS lookup or the SMTP probe. */
  lookup?: MxLookup;
  probe?: PrimaryProbe;
  /** For tests: the MTA-STS lookups (DNS, the policy's HTTPS port and CA). */
  mtaSts?: Partial<MtaStsDeps>;
  /** For tests: an extra CA the primary certificate check trusts. */
  tlsCa?: string;
  sesv2?: SESv2Client;
}

export async function runChecks(target: Target, options: DoctorOptions): Promise<CheckResult[]> {
  const domains = [...new Set(target.settings.routes.flatMap((r) => r.domains.map((d) => d.toLowerCase())))];
  const lookup = rememberMx(options.lookup ?? mxLookup(options.dnsServer));
  const greetings = new Map<string, string>();
  const results: CheckResult[] = [
    ...(await dnsChecks(target, domains, lookup, options)),
    ...(await primaryChecks(target, options, greetings)),
    ...(await primaryKindChecks(target, lookup, greetings)),
    ...(await backscatterChecks(target)),
    ...(await deadLetterChecks(target)),
  ];
  if (target.kind !== 'aws' || !target.stack || !target.account) {
    for (const check of AWS_ONLY_CHECKS) results.push(skip(check, 'AWS-only check, skipped for --local'));
    return results;
  }
  results.push(...(await awsChecks(target, target.stack, target.account, domains, options)));
  return results;
}

const AWS_ONLY_CHECKS = ['SES receiving region', 'SES identities', 'SES receipt rule set', 'alarm subscription', PRODUCTION_ACCESS_CHECK, SUPPRESSION_CHECK, NOTICE_SENDING_CHECK, DSN_IDENTITY_CHECK, TRIGGER_CONCURRENCY_CHECK, TRIGGER_KEY_CHECK];

/** MX records of each domain, the canary's MX, each domain's MTA-STS policy: asked from where the command runs. */
async function dnsChecks(target: Target, domains: string[], lookup: MxLookup, options: DoctorOptions): Promise<CheckResult[]> {
  const { settings, region } = target;
  const results: CheckResult[] = [];
  for (const domain of domains) {
    const mx = await guarded(`MX ${domain}`, 'check the DNS server and try again', () => checkMx(lookup, domain, region));
    // A local run needs no DNS and may be offline: no answer at all is a warning there.
    results.push(...(target.kind === 'local' ? mx.map((r) => offlineIsWarning(r, 'MX records')) : mx));
  }
  // The canary's subdomain: the local runner sends it through its stand-in, so only a deployed stack needs the record.
  const canary = await guarded(CANARY_MX_CHECK, 'check the DNS server and try again', () => checkCanaryMx(lookup, settings.canaryAddress, region));
  results.push(...(target.kind === 'local' ? canary.map((r) => localCanaryMx(r)) : canary));
  const mtaSts: MtaStsDeps = { ...mtaStsResolver(options.dnsServer), ...options.mtaSts };
  for (const domain of domains) {
    const sts = await guarded(`MTA-STS ${domain}`, 'check the DNS server and the policy host, and try again', () => checkMtaSts(mtaSts, domain, region));
    results.push(...(target.kind === 'local' ? sts.map((r) => offlineIsWarning(r, 'MTA-STS policies')) : sts));
  }
  return results;
}

/** Each route's primary: reachable from here, then its SIZE, certificate and pinned fingerprint; its greeting goes into `greetings`. */
async function primaryChecks(target: Target, options: DoctorOptions, greetings: Map<string, string>): Promise<CheckResult[]> {
  const { settings } = target;
  const probe = options.probe ?? new SmtpProbe({ clientName: settings.hostname, stepTimeoutMs: Math.min(settings.probeTimeoutMs, 10_000) });
  const results: CheckResult[] = [];
  for (const route of settings.routes) {
    const name = `primary ${route.name}`;
    const where = `${route.primary.host}:${route.primary.port} (tls ${route.primary.tls})`;
    results.push(
      ...(await guarded(name, `make ${where} reachable`, async () => {
        const result = await probe.check(route.primary);
        if (result.greeting) greetings.set(route.name, result.greeting);
        const reachable = result.ok
          ? ok(name, `${where} answers from here in ${result.latencyMs} ms`)
          : fail(
              name,
              `${where} from here: ${result.error ?? 'no answer'}`,
              target.kind === 'aws'
                ? `let the backup's egress reach ${where} (firewall, allow-list, TLS certificate); note that this check runs from your machine, not from Lambda`
                : `start the primary or fix its host/port/TLS mode in the configuration`,
            );
        // A primary that answered but failed the TLS checks (a pin that does not match)
        // is read too: its certificate and fingerprint are the point then.
        if (!result.ok && result.greeting === undefined) return reachable;
        try {
          const session = await readPrimarySession(route, { clientName: settings.hostname, ...(options.tlsCa ? { ca: options.tlsCa } : {}) });
          return [reachable, checkSize(route, session), checkCertificate(route, session, new Date()), checkFingerprint(route, session)];
        } catch (error) {
          return [reachable, warn(`primary SIZE ${route.name}`, `could not read its EHLO reply: ${(error as Error).message}`, 'run doctor again')];
        }
      })),
    );
  }
  return results;
}

/** A hint per route at the setup section that fits its primary (Google Workspace, Microsoft 365, Postfix); nothing when none is recognised. */
async function primaryKindChecks(target: Target, lookup: MxLookup, greetings: ReadonlyMap<string, string>): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const route of target.settings.routes) {
    const mx = new Map<string, MxRecord[]>();
    // A domain without an answer adds nothing here: its MX check already said why.
    for (const domain of route.domains.map((d) => d.toLowerCase())) mx.set(domain, await lookup(domain).catch(() => []));
    const greeting = greetings.get(route.name);
    const hint = checkPrimaryKind({ route, mx, ...(greeting ? { greeting } : {}) });
    if (hint) results.push(hint);
  }
  return results;
}

/** Each domain is asked once per doctor run, however many checks read its MX records. */
function rememberMx(lookup: MxLookup): MxLookup {
  const answers = new Map<string, Promise<MxRecord[]>>();
  return (domain) => {
    const key = domain.toLowerCase();
    if (!answers.has(key)) answers.set(key, Promise.resolve().then(() => lookup(domain)));
    return answers.get(key)!;
  };
}
/** A synced route is judged by its stored list (what SES takes once its rules are written), not the seed's anyRecipient. */
async function backscatterChecks(target: Target): Promise<CheckResult[]> {
  const checks = target.settings.routes.map((route) =>
    route.recipientSync && route.bouncePolicy === 'dsn'
      ? guarded(`backscatter ${route.name}`, 'grant dynamodb:GetItem on the state table and s3:GetObject on the bucket\'s recipient-lists/', async () => checkBackscatter(route, await target.operator.recipientList(route.name)))
      : Promise.resolve([checkBackscatter(route)]),
  );
  return (await Promise.all(checks)).flat();
}

function deadLetterChecks(target: Target): Promise<CheckResult[]> {
  return guarded('dead-letter queue', 'grant sqs:GetQueueAttributes on the dead-letter queue, or check it in the SQS console', async () => {
    const check = await deadLetterQueueCheck(target);
    const detail = `~${check.depth} message${check.depth === 1 ? '' : 's'} for ${check.records} dead-letter record${check.records === 1 ? '' : 's'}`;
    const unrecorded = unrecordedCopies(check);
    if (unrecorded) return warn('dead-letter queue', `${detail}: ${unrecorded.problem}`, unrecorded.fix);
    return ok('dead-letter queue', check.records > 0 ? `${detail}: see \`backup-mx mailq --dead\`` : detail);
  });
}

/** The deployed stack only: SES receiving, DSN sending, alarm channels, the trigger. */
async function awsChecks(target: Target, stack: NonNullable<Target['stack']>, account: AccountReaders, domains: string[], options: DoctorOptions): Promise<CheckResult[]> {
  const { settings, region } = target;
  const { ses, sns } = account;
  const results: CheckResult[] = [checkRegion(region)];
  results.push(...(await guarded('SES identities', 'grant ses:GetIdentityVerificationAttributes, or check in the SES console', () => checkIdentities(ses, domains))));
  results.push(...(await guarded('SES receipt rule set', 'grant ses:DescribeActiveReceiptRuleSet, or check in the SES console', () => checkRuleSet(ses, stack.ruleSetName, stack.hostRuleSetName))));
  results.push(...(await dsnSendingChecks(target, ses, options)));
  results.push(
    ...(await alarmChannelChecks(sns, {
      ...(stack.alarmTopicArn ? { topicArn: stack.alarmTopicArn } : {}),
      extraTopicArns: stack.alarmChannelTopicArns ?? [],
      routes: settings.routes,
      stackName: stack.stackName,
      region,
    })),
  );
  results.push(...(await guarded(TRIGGER_CONCURRENCY_CHECK, 'grant lambda:GetFunctionConcurrency and lambda:GetAccountSettings, or check the trigger function in the Lambda console', () => checkTriggerConcurrency(account.lambda, stack.triggerFunctionName))));
  // The push's URL is public as the trigger's: its reservation caps what a flood of pushes takes (only when a route syncs).
  if (settings.routes.some((route) => route.recipientSync)) {
    results.push(...(await guarded(PUSH_CONCURRENCY_CHECK, 'grant lambda:GetFunctionConcurrency and lambda:GetAccountSettings, or check the recipient push function in the Lambda console', () => checkPushConcurrency(account.lambda, stack.recipientPushFunctionName))));
  }
  if (target.trigger) {
    results.push(...(await guarded(TRIGGER_KEY_CHECK, 'grant dynamodb:GetItem on the state table', () => checkTriggerKey(account.triggerKeys, target.trigger?.secretId))));
  }
  return results;
}

/** Only when a route sends DSNs: production access, suppression list, the notice configuration set, the sending identity. */
async function dsnSendingChecks(target: Target, ses: SESClient, options: DoctorOptions): Promise<CheckResult[]> {
  const { settings, region } = target;
  if (!settings.routes.some((route) => route.bouncePolicy === 'dsn')) return [skip(PRODUCTION_ACCESS_CHECK, 'every route dead-letters: no DSNs are sent')];
  const results: CheckResult[] = [];
  const sesv2 = options.sesv2 ?? new SESv2Client({ region });
  try {
    results.push(...(await guarded(PRODUCTION_ACCESS_CHECK, 'grant ses:GetAccount, or check the SES console\'s Account dashboard', () => checkProductionAccess(sesv2, region))));
    results.push(...(await guarded(SUPPRESSION_CHECK, 'grant ses:GetAccount, or check the SES console\'s suppression list settings', () => checkSuppressionList(sesv2))));
    results.push(...(await guarded(NOTICE_SENDING_CHECK, 'grant ses:GetConfigurationSet, or check the SES console\'s configuration sets', () => checkNoticeSending(sesv2, settings.dsnConfigurationSet))));
  } finally {
    if (!options.sesv2) sesv2.destroy();
  }
  results.push(...(await guarded(DSN_IDENTITY_CHECK, 'grant ses:GetIdentityVerificationAttributes, or check in the SES console', () => checkDsnIdentity(ses, settings.hostname))));
  return results;
}

/** Locally the canary goes through the stand-in: a missing record matters only once deployed. */
export function localCanaryMx(result: CheckResult): CheckResult {
  if (result.status !== 'fail') return result;
  return { ...result, status: 'warn', detail: `${result.detail.replace(/: the canary cannot arrive.*$/, '')}: needed once deployed (the local run sends the canary through its stand-in)` };
}

/** Locally, a DNS lookup that got no answer at all is a warning: the local run needs no DNS and may be offline. */
function offlineIsWarning(result: CheckResult, what: string): CheckResult {
  if (result.status !== 'fail' || !/^(?:lookup failed|TXT lookup of \S+ failed)/.test(result.detail)) return result;
  return { ...result, status: 'warn', detail: `${result.detail}: no DNS answer from here (offline?); ${what} matter once deployed, a local run does not use them` };
}

export async function doctorCommand(target: Target, options: DoctorOptions, io: CliIo): Promise<number> {
  const results = await runChecks(target, options);
  const failed = results.some((r) => r.status === 'fail');
  if (options.json) {
    io.out(JSON.stringify(results, null, 2));
  } else {
    io.out(`Checking the ${target.label}`);
    io.out('');
    const rows = results.map((r) => [r.status.toUpperCase(), r.check, r.detail]);
    const lines = table(['', 'CHECK', 'RESULT'], rows).slice(1);
    results.forEach((r, i) => {
      io.out(lines[i]!);
      if (r.fix) io.out(`      fix: ${r.fix}`);
    });
    io.out('');
    const count = (s: string) => results.filter((r) => r.status === s).length;
    io.out(`${count('ok')} ok, ${count('warn')} warnings, ${count('fail')} failed, ${count('skip')} skipped`);
  }
  return failed ? EXIT.failed : EXIT.ok;
}
