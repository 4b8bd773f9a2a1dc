// Checks of the configuration that only matter for a deployment to AWS (the
// local runner takes the same configuration and may deliver on any port):
// they stop synth with the reason and the ways out.
import type { BackupMxConfig } from '../config/backup-mx-config.js';
import { protectedEmailProblems } from '../config/alarm-channels.js';
import { egressReachesPort25 } from '../config/egress.js';

export class DeployCheckError extends Error {
  constructor(readonly problems: string[]) {
    super(`backupMx cannot deploy as configured:\n  - ${problems.join('\n  - ')}`);
    this.name = 'DeployCheckError';
  }
}

/** Lambda cannot open port 25 outside a VPC (and in one only after AWS lifts the limit). */
export function port25Problems(config: Pick<BackupMxConfig, 'routes' | 'egress'>): string[] {
  if (egressReachesPort25(config)) return [];
  return config.routes.flatMap((route, i) =>
    route.primary.port === 25
      ? [
          `backupMx.routes[${i}].primary.port: route "${route.name}" delivers to ${route.primary.host} on port 25, which a Lambda ` +
            'outside a VPC can never open, so no mail would ever be delivered. Either have the primary listen on another port ' +
            '(587 or 2525, with AUTH or an allow-list) and set primary.port to it, or set "egress": "vpc-nat-instance" (about $7 a month) ' +
            'or "vpc-nat" (NAT gateway) and ask AWS to ' +
            'lift the port-25 limit for the egress IP (README: Port 25)',
        ]
      : [],
  );
}

const isUnder = (host: string, domain: string) => host === domain || host.endsWith(`.${domain}`);

/**
 * DSNs are sent through SES from MAILER-DAEMON@<hostname>: SES refuses a From
 * that is not under a verified identity. The route domains are verified for
 * receiving, so a hostname under one of them works; otherwise the user names
 * the identity they verified (backupMx.dsnIdentity). Routes that only
 * dead-letter send no DSNs.
 */
export function dsnIdentityProblems(config: Pick<BackupMxConfig, 'routes' | 'hostname'> & { dsnIdentity?: string }): string[] {
  if (!config.routes.some((route) => route.bouncePolicy === 'dsn')) return [];
  const host = config.hostname.toLowerCase();
  if (config.dsnIdentity !== undefined) {
    return isUnder(host, config.dsnIdentity.toLowerCase())
      ? []
      : [`backupMx.dsnIdentity: "${config.dsnIdentity}" does not cover the hostname "${config.hostname}" (DSNs come from MAILER-DAEMON@${config.hostname}); use the domain the hostname is under`];
  }
  const domains = config.routes.flatMap((route) => route.domains);
  if (domains.some((domain) => isUnder(host, domain.toLowerCase()))) return [];
  return [
    `backupMx.hostname: "${config.hostname}" is not under any route domain, so SES would refuse every DSN (sent from ` +
      `MAILER-DAEMON@${config.hostname}) and every bounce would become a dead letter. Use a hostname under one of ` +
      `${domains.slice(0, 3).join(', ')}${domains.length > 3 ? ', ...' : ''}, or verify the domain it is under in SES and name it in backupMx.dsnIdentity`,
  ];
}

/**
 * The primary authorises XCLIENT/XFORWARD by the client's IP
 * (smtpd_authorized_xclient_hosts): without an egress mode the drain leaves
 * from whatever address Lambda has that day, so the primary refuses the command
 * (the message still goes, without it), or the user allows all of AWS — which
 * would let any AWS customer claim to be any client. One warning per route.
 */
export function forwardClientWarnings(config: Pick<BackupMxConfig, 'routes' | 'egress'>): { route: string; message: string }[] {
  if (egressReachesPort25(config)) return [];
  return config.routes.flatMap((route, i) =>
    route.primary.forwardClient === 'none'
      ? []
      : [
          {
            route: route.name,
            message:
              `backupMx.routes[${i}].primary.forwardClient is "${route.primary.forwardClient}" but "egress" is "none": the primary allows ` +
              `${route.primary.forwardClient.toUpperCase()} by client IP, and a Lambda outside a VPC has no fixed address. Set "egress" to ` +
              '"vpc-nat-instance" or "vpc-nat" and allow only its Elastic IP on the primary (docs/primary-setup.md: Trusting the original client), ' +
              'or set forwardClient to "none"',
          },
        ],
  );
}

export function deployProblems(config: BackupMxConfig & { dsnIdentity?: string }): string[] {
  // An alarmEmail in a protected domain: the local runner sends no alarms, so only a deploy refuses it.
  return [...port25Problems(config), ...dsnIdentityProblems(config), ...protectedEmailProblems(config)];
}
