// What each route TLS mode means on the wire, shared by the transport and the probe.
import type { ConnectionOptions } from 'node:tls';
import { isIP } from 'node:net';
import type { TlsMode } from '../../core/model.js';

/** Extra TLS settings a caller may add (a private CA for `verify`, in tests or on-premises). */
export type ExtraTlsOptions = Pick<ConnectionOptions, 'ca' | 'minVersion'>;

export interface TlsPolicy {
  /** Send STARTTLS when the server offers it. */
  useStartTls: boolean;
  /** Fail the session when STARTTLS is not offered or refused. */
  requireStartTls: boolean;
  /** Options for tls.connect over the plain socket. */
  tls: ConnectionOptions;
}

/** The modes that fail a session without STARTTLS. */
export function requiresStartTls(mode: TlsMode): boolean {
  return mode === 'required' || mode === 'verify' || mode === 'fingerprint';
}

/**
 * none: never STARTTLS, even if offered. opportunistic: STARTTLS if offered,
 * certificate not checked (as MTAs do), a refused STARTTLS continues in plain text.
 * required: STARTTLS or fail, certificate not checked. verify: required plus
 * chain and host name checked. fingerprint: required, no CA (self-signed is
 * fine), the certificate must match a pin: checked on the upgraded socket by
 * tls-pins' pinRefusal before anything else is sent, since Node runs no
 * certificate callback for a chain it could not verify.
 * Whatever the mode, AUTH is sent only past credential-gate.
 */
export function tlsPolicy(mode: TlsMode, host: string, extra: ExtraTlsOptions = {}): TlsPolicy {
  const verify = mode === 'verify';
  const tls: ConnectionOptions = { ...extra, rejectUnauthorized: verify };
  // SNI takes a host name only; an IP literal is still checked against the certificate's IP SANs.
  if (!isIP(host)) tls.servername = host;
  return {
    useStartTls: mode !== 'none',
    requireStartTls: requiresStartTls(mode),
    tls,
  };
}
