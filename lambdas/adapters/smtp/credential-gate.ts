// Invariant 8 in one place: SMTP AUTH (or any other credential) goes out only
// on a TLS session whose peer we authenticated — certificate chain and host
// name verified, or certificate / public key matching a configured pin —
// whatever the route's TLS mode says. Every path that can log in (the drain's
// sessions, the probe, the recipient callout) asks here right before AUTH, so
// a route built by hand or a bug in the mode handling cannot hand the password
// to whoever strips STARTTLS or answers it with a certificate of their own.
import type { Socket } from 'node:net';
import { checkServerIdentity, TLSSocket } from 'node:tls';
import type { PrimaryServer } from '../../core/model.js';
import { AUTH_WITHHELD } from '../../core/policy/smtp-reply-classifier.js';
import { matchesPins, peerDigests } from './tls-pins.js';

/** AUTH was not sent: the session's peer is not authenticated. A configuration problem (or an attack), never transient. */
export class AuthWithheldError extends Error {
  readonly code = AUTH_WITHHELD;
  constructor(primary: PrimaryServer, why: string) {
    super(
      `AUTH withheld: the session to ${primary.host}:${primary.port} is not TLS-verified (tls "${primary.tls}": ${why}); ` +
        `use tls "verify" (a certificate from a public CA for ${primary.host}) or "fingerprint" with tlsFingerprints from \`backup-mx doctor\``,
    );
    this.name = 'AuthWithheldError';
  }
}

/** Why credentials may not go out on `socket` (the session's current one, TLS after STARTTLS), or undefined when they may. */
export function credentialsRefusal(socket: Socket | undefined, primary: PrimaryServer): string | undefined {
  if (!(socket instanceof TLSSocket) || !socket.encrypted || socket.destroyed) return 'no TLS';
  const digests = peerDigests(socket);
  if (!digests) return 'no certificate';
  if (primary.tlsFingerprints?.length && matchesPins(primary.tlsFingerprints, digests)) return undefined;
  // `authorized` is the chain check (Node also ran its host name check, but against
  // whatever name the connect used): the configured host is checked here again.
  if (!socket.authorized) return `certificate not verified: ${String(socket.authorizationError ?? 'unknown reason')}`;
  const identity = checkServerIdentity(primary.host, socket.getPeerCertificate());
  if (identity) return `certificate not valid for ${primary.host}: ${identity.message}`;
  return undefined;
}

/** Throws AuthWithheldError unless credentials may go out on `socket`. */
export function assertMaySendCredentials(socket: Socket | undefined, primary: PrimaryServer): void {
  const why = credentialsRefusal(socket, primary);
  if (why !== undefined) throw new AuthWithheldError(primary, why);
}
