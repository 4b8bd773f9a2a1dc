// Matching a TLS peer against a route's tlsFingerprints. A pin may be the
// SHA-256 of the whole certificate (what `openssl x509 -fingerprint -sha256`
// prints) or of its public key (SPKI): both are accepted, as Postfix does, so
// a self-signed certificate re-issued with the same key keeps matching a
// public-key pin, while a certificate pin is the one most people can produce.
// A certificate digest and a public-key digest cannot be confused: they hash
// different DER structures. Expiry and chain are not checked in this mode
// (Postfix ignores them too); doctor warns about an expiring certificate.
import { createHash, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { PrimaryServer } from '../../core/model.js';
import { formatFingerprint, normalizeFingerprint } from '../../core/policy/tls-fingerprint.js';

export interface CertificateDigests {
  /** SHA-256 of the certificate (DER). */
  certificate: string;
  /** SHA-256 of its SubjectPublicKeyInfo (DER). */
  publicKey: string;
}

const sha256 = (bytes: Uint8Array) => formatFingerprint(createHash('sha256').update(bytes).digest());

/** Both digests of a DER certificate, in the canonical "sha256:AB:…" form. */
export function certificateDigests(der: Buffer): CertificateDigests {
  const spki = new X509Certificate(der).publicKey.export({ type: 'spki', format: 'der' });
  return { certificate: sha256(der), publicKey: sha256(spki) };
}

/** The digests of the certificate the peer presented; undefined when it presented none. */
export function peerDigests(socket: TLSSocket): CertificateDigests | undefined {
  const raw = socket.getPeerCertificate()?.raw;
  return raw && raw.length > 0 ? certificateDigests(raw) : undefined;
}

/** True when one of `pins` (in any accepted spelling) is the certificate's or its public key's digest. */
export function matchesPins(pins: readonly string[], digests: CertificateDigests): boolean {
  return pins.some((pin) => {
    const canonical = normalizeFingerprint(pin);
    return canonical !== undefined && (canonical === digests.certificate || canonical === digests.publicKey);
  });
}

/**
 * For tls "fingerprint": why this TLS session must end now (before EHLO, MAIL
 * FROM or AUTH go over it), or undefined when the peer matches a pin or the
 * route is in another mode.
 */
export function pinRefusal(socket: TLSSocket, primary: PrimaryServer): string | undefined {
  if (primary.tls !== 'fingerprint') return undefined;
  const where = `${primary.host}:${primary.port}`;
  const pins = primary.tlsFingerprints ?? [];
  if (pins.length === 0) return `tls "fingerprint" without tlsFingerprints: nothing to match the certificate of ${where} against`;
  const digests = peerDigests(socket);
  if (!digests) return `${where} presented no certificate`;
  if (matchesPins(pins, digests)) return undefined;
  return `the certificate of ${where} (${digests.certificate}, public key ${digests.publicKey}) matches none of primary.tlsFingerprints`;
}
