// The runner's own sentences about routes and primaries (the engine's log
// says the rest): what each route does at start, and a primary going down or
// coming back, with a hint when the shipped example primary cannot work.
import { AUTH_REFUSED_PREFIX } from '../../lambdas/core/policy/auth-backoff.js';
import type { BackupMxConfig } from '../../lib/config/backup-mx-config.js';
import { protectedDomainOf, protectedEmailProblems, protectedEmailWarning } from '../../lib/config/alarm-channels.js';
import { backscatterRisks, backscatterWarning } from '../../lib/config/backscatter-check.js';
import type { LineOutput } from './line-output.js';
import type { PrimaryChange } from './observed-probe.js';
import { LOCAL_SECRETS_ENV } from './local-secrets.js';
import { listSome } from '../words.js';

export class Narration {
  private hinted = false;

  constructor(
    private readonly out: LineOutput,
    private readonly config: BackupMxConfig,
    /** True when the configuration is the shipped cdk.json, whose primary does not exist. */
    private readonly exampleConfig: boolean,
  ) {}

  routes(probeIntervalSeconds: number, smtpPort: number): void {
    for (const route of this.config.routes) {
      const only = route.recipients ? ` (only ${listSome(route.recipients)} in their domains)` : '';
      const { host, port, tls } = route.primary;
      this.out.info(`route ${route.name}: ${route.domains.join(', ')}${only} → primary ${host}:${port} (tls ${tls}), checked every ${probeIntervalSeconds} s`);
    }
    // What synth warns, said here too: the same configuration, the same risk.
    for (const risk of backscatterRisks(this.config)) {
      const route = this.config.routes.find((r) => r.name === risk.route)!;
      this.out.warn(backscatterWarning(risk, route.dsnPerHour ?? this.config.dsnPerHour));
    }
    // The runner sends no alarms, so an alarmEmail in a protected domain does not stop it;
    // it says what synth will say (a refusal, or with the override a warning).
    const found = this.config.alarmEmail ? protectedDomainOf(this.config.alarmEmail, this.config.routes) : undefined;
    if (found) {
      const refusal = protectedEmailProblems(this.config)[0];
      this.out.warn(refusal ? `\`cdk synth\` will refuse this configuration (the local runner sends no alarms): ${refusal}` : protectedEmailWarning(found));
    }
    const rcpt = `postmaster@${this.config.routes[0]!.domains[0]!}`;
    this.out.info(`ready. Send a test message: swaks --server 127.0.0.1:${smtpPort} --to ${rcpt}   (stop with Ctrl-C)`);
  }

  primary(change: PrimaryChange): void {
    const where = `${change.primary.host}:${change.primary.port}`;
    if (change.status === 'up') {
      this.out.info(`primary ${change.route} up (${where}, ${change.latencyMs} ms): delivering its mail`);
      return;
    }
    if (change.authRefused) {
      // The Lambda's words (auth-backoff): the password is wrong, not the primary down.
      this.out.info(
        `primary ${change.route} (${where}) ${AUTH_REFUSED_PREFIX} (${change.error ?? 'AUTH refused'}): holding its mail; ` +
          `fix secret "${change.primary.authSecretName ?? '?'}" in the ${LOCAL_SECRETS_ENV} file: the next probe tries the new one at once`,
      );
      return;
    }
    this.out.info(`primary ${change.route} down (${change.error ?? 'no answer'}): holding its mail`);
    if (this.exampleConfig && !this.hinted) {
      this.hinted = true;
      this.out.plain(
        `         hint: cdk.json's example primary ${where} is not a real server, so mail is only held.\n` +
          '         To deliver to your own mail server, put {"backupMx": {"routes": [...]}} in a file and run\n' +
          '         BACKUPMX_CONTEXT_FILE=that-file.json npm start   (README: "Point it at your own primary")',
      );
    }
  }
}
