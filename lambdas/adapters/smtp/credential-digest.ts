// A short fingerprint of a route's AUTH credentials, kept in the health item at
// a refusal so the probe can tell that the secret changed since (and try AUTH
// at once). From Secrets Manager it is the secret's version id (a new value
// gets a new one), so nothing derived from the password is stored; only
// credentials without a version (the local runner's, tests) are hashed, salted
// with the secret name so equal passwords of two routes differ.
import { createHash } from 'node:crypto';

export function credentialDigest(secretName: string, credentials: { username: string; password: string; version?: string }): string {
  if (credentials.version) return `version:${credentials.version}`;
  return createHash('sha256').update(`backup-mx credentials\0${secretName}\0${credentials.username}\0${credentials.password}`).digest('hex').slice(0, 16);
}
