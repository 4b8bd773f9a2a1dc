// Per-route ARC sealing (RFC 8617): the domain and selector of the seal, and
// the Secrets Manager secret holding the private key (PEM; RSA or Ed25519).
import { z } from 'zod';
import { domainName, matching, secretName } from './field-schemas.js';

export const arcSchema = z.strictObject({
  /** d= of the seal: a domain you publish the selector's public key under. */
  domain: domainName(),
  /** s= of the seal: the key is published at <selector>._domainkey.<domain>. */
  selector: matching(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i, 'a DKIM selector such as "arc2026"'),
  /** Secret whose value is the PEM private key, or JSON {"privateKey": "-----BEGIN ..."}. */
  keySecretName: secretName(),
});

export type ArcConfig = z.output<typeof arcSchema>;
