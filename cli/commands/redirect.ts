// `backup-mx redirect <route> --to host[:port] [--tls <mode>] [--auth]` and
// `redirect <route> --clear`: the cut-over to a new primary without a redeploy
// (core/operator/redirect-route.ts). The route's mail goes to the target until
// cleared, or until a deploy changes the route's configured primary (the
// redirect names the primary it replaced; status then shows it as cleared by that deploy).
import type { CliIo } from '../cli-io.js';
import type { TlsMode } from '../../lambdas/core/model.js';
import { RedirectRefusedError } from '../../lambdas/core/operator/redirect-route.js';
import { EXIT, UsageError } from '../errors.js';
import { atNextProbe } from '../format.js';
import { routeOf, type Target } from '../target.js';
import { flushCommand } from './flush.js';

export interface RedirectOptions {
  to?: string;
  clear?: boolean;
  tls?: string;
  fingerprint?: string[];
  auth?: boolean;
  reason?: string;
  flush?: boolean;
}

/** The port `--to host` means without one: SMTP's. */
export const DEFAULT_REDIRECT_PORT = 25;

export async function redirectCommand(target: Target, routeName: string, options: RedirectOptions, io: CliIo): Promise<number> {
  const route = routeOf(target, routeName);
  if (options.clear && options.to !== undefined) throw new UsageError('--clear: not with --to (clear the redirect, or set another one)');
  if (options.clear) return clearRedirect(target, routeName, options, io);
  if (options.to === undefined) throw new UsageError('--to: required (host[:port] of the new primary), or --clear to send mail to the configured primary again');
  const { host, port } = parseHostPort(options.to);
  let set: Awaited<ReturnType<Target['operator']['redirect']['set']>>;
  try {
    io.out(`checking ${host}:${port} as the probe does (loop guard, then SMTP)...`);
    set = await target.operator.redirect.set(route, {
      host,
      port,
      ...(options.tls !== undefined ? { tls: options.tls as TlsMode } : {}),
      ...(options.fingerprint?.length ? { tlsFingerprints: options.fingerprint } : {}),
      ...(options.auth ? { auth: true } : {}),
      ...(options.reason ? { reason: options.reason } : {}),
    });
  } catch (error) {
    if (error instanceof RedirectRefusedError) throw new UsageError(error.message);
    throw error;
  }
  const { redirect, latencyMs, replaced } = set;
  if (replaced) io.out(`(replaces the redirect to ${replaced.host}:${replaced.port} set ${replaced.since.toISOString()})`);
  io.out(`route ${routeName}: mail goes to ${describeTarget(`${redirect.host}:${redirect.port}`, redirect)} instead of ${redirect.replaces} (it answered in ${latencyMs} ms)`);
  io.out(`until \`backup-mx redirect ${routeName} --clear\`, or a deploy that changes the route's primary in cdk.json (which clears it)`);
  if (route.primary.authSecretName !== undefined && !redirect.auth) io.out(`the route's AUTH secret is not sent to ${redirect.host} (add --auth, over --tls verify, if the new host needs it)`);
  if (options.flush) return flushCommand(target, routeName, {}, io);
  io.out(`deliveries to it start ${atNextProbe(target.settings.probeIntervalSeconds)} (a drain already running stops within a few seconds, before its next transaction to the previous host); \`backup-mx flush ${routeName}\` starts them now`);
  return EXIT.ok;
}

async function clearRedirect(target: Target, routeName: string, options: RedirectOptions, io: CliIo): Promise<number> {
  const route = routeOf(target, routeName);
  const { cleared, primary } = await target.operator.redirect.clear(route);
  const configured = `${route.primary.host}:${route.primary.port}`;
  if (!cleared) io.out(`route ${routeName} was not redirected: its mail goes to ${configured}`);
  else io.out(`route ${routeName}: redirect to ${cleared.host}:${cleared.port} cleared; mail goes to the configured primary ${configured} again`);
  io.out(`${configured} ${primary.ok ? `answers (${primary.latencyMs} ms)` : `does not answer: ${primary.error ?? 'probe failed'} (mail waits in the queue until it does)`}`);
  if (!cleared) return EXIT.ok;
  if (options.flush) return flushCommand(target, routeName, {}, io);
  io.out(`deliveries to it resume ${atNextProbe(target.settings.probeIntervalSeconds)}; \`backup-mx flush ${routeName}\` starts them now`);
  return EXIT.ok;
}

/** "mx.example.net", "mx.example.net:2525", "192.0.2.7:25", "[2001:db8::7]:25" (a bare IPv6 address takes no port). */
export function parseHostPort(text: string): { host: string; port: number } {
  const value = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  const [host, port] = bracketed
    ? [bracketed[1]!, bracketed[2]]
    : (value.match(/:/g)?.length ?? 0) > 1
      ? [value, undefined]
      : (value.split(':') as [string, string | undefined]);
  if (!host) throw new UsageError(`--to: "${text}" names no host (host[:port], e.g. mx-new.example.com:25)`);
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new UsageError(`--to: "${port}" is not a port (host[:port], e.g. mx-new.example.com:25)`);
  return { host, port: port === undefined ? DEFAULT_REDIRECT_PORT : Number(port) };
}

/** "mx-new.example.net:25 (tls verify, no AUTH)". */
export function describeTarget(to: string, r: { tls: string; auth: boolean }): string {
  return `${to} (tls ${r.tls}, ${r.auth ? 'with the route\'s AUTH' : 'no AUTH'})`;
}
