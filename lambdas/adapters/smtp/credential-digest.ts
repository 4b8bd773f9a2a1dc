// A short fingerprint of a route's AUTH credentials, kept in the health item at
// a refusal so the probe can tell that the secret changed since (and try AUTH
// at once) without ever storing the password. Salted with the secret name so
// equal passwords of two routes give different digests.
import { createHash } from 'node:crypto';

export function credentialDigest(secretName: string, credentials: { username: string; password: string }): string {
  return createHash('sha256').update(`backup-mx credentials\0${secretName}\0${credentials.username}\0${credentials.password}`).digest('hex').slice(0, 16);
}
