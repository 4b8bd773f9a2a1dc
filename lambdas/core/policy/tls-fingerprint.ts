// Certificate pins for tls "fingerprint", as Postfix's smtp_tls_fingerprint_cert_match
// with smtp_tls_fingerprint_digest = sha256: the SHA-256 of the primary's
// certificate (DER) or of its public key (SubjectPublicKeyInfo, DER). One
// canonical form, "sha256:AB:CD:…" (upper-case pairs joined by colons, as
// openssl and Node print a certificate's fingerprint), so the configuration,
// the route table, doctor and the matcher all compare the same text.

const PREFIX = 'sha256:';

/** The canonical form: "sha256:" and 32 upper-case hex pairs joined by colons. */
export const CANONICAL_FINGERPRINT = /^sha256:[0-9A-F]{2}(?::[0-9A-F]{2}){31}$/;

/** What a pin may look like, for error messages. */
export const FINGERPRINT_EXAMPLE = '"sha256:" and 64 hex digits, colons between pairs optional (e.g. "sha256:3A:5F:…:C1")';

/**
 * The canonical form of a pin as a person pastes it: with or without the
 * "sha256:" prefix (or openssl's "SHA256 Fingerprint="), any case, colons
 * between every pair or none at all (Postfix ≥ 3.6 accepts both too).
 * Undefined when it is not a SHA-256 digest (an MD5 or SHA-1 one is too short).
 */
export function normalizeFingerprint(text: string): string | undefined {
  const body = text.trim().replace(/^(?:sha256:|sha256 fingerprint=)\s*/i, '');
  if (!/^[0-9a-f]{64}$/i.test(body) && !/^[0-9a-f]{2}(?::[0-9a-f]{2}){31}$/i.test(body)) return undefined;
  return formatHexFingerprint(body.replace(/:/g, ''));
}

/** A SHA-256 digest (32 bytes, or 64 hex digits) in the canonical form. */
export function formatFingerprint(digest: Uint8Array): string {
  return formatHexFingerprint(Buffer.from(digest).toString('hex'));
}

function formatHexFingerprint(hex: string): string {
  return PREFIX + hex.toUpperCase().match(/../g)!.join(':');
}
