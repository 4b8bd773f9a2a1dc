// The private key an ARC seal is made with, kept in Secrets Manager as the PEM
// text itself or as JSON {"privateKey": "-----BEGIN ..."}.
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createPrivateKey } from 'node:crypto';

/** Where the sealer gets a route's key by secret name. */
export interface ArcKeySource {
  /** The PEM private key; rejects with a message that never contains the key. */
  privateKey(secretName: string): Promise<string>;
}

export class ArcKeyError extends Error {
  constructor(readonly secretName: string, problem: string) {
    super(`ARC key secret ${secretName}: ${problem}`);
    this.name = 'ArcKeyError';
  }
}

/** The PEM out of a secret's text, checked to be a usable RSA or Ed25519 private key. */
export function parseArcKey(secretName: string, text: string): string {
  let pem = text.trim();
  if (pem.startsWith('{')) {
    try {
      pem = String((JSON.parse(pem) as { privateKey?: unknown }).privateKey ?? '');
    } catch {
      throw new ArcKeyError(secretName, 'is neither a PEM key nor JSON');
    }
  }
  let type: string | undefined;
  try {
    type = createPrivateKey(pem).asymmetricKeyType;
  } catch {
    throw new ArcKeyError(secretName, 'holds no readable PEM private key');
  }
  if (type !== 'rsa' && type !== 'ed25519') throw new ArcKeyError(secretName, `holds a ${type} key; ARC signs with RSA or Ed25519`);
  return pem;
}

/** Reads keys from Secrets Manager, once per secret for the life of this object (one invocation). */
export class SecretsArcKeySource implements ArcKeySource {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(private readonly secrets: SecretsManagerClient) {}

  privateKey(secretName: string): Promise<string> {
    let pending = this.cache.get(secretName);
    if (!pending) {
      pending = this.fetch(secretName);
      pending.catch(() => this.cache.delete(secretName));
      this.cache.set(secretName, pending);
    }
    return pending;
  }

  private async fetch(secretName: string): Promise<string> {
    const result = await this.secrets.send(new GetSecretValueCommand({ SecretId: secretName }));
    const text = result.SecretString ?? (result.SecretBinary ? Buffer.from(result.SecretBinary).toString('utf8') : undefined);
    if (text === undefined) throw new ArcKeyError(secretName, 'has no value');
    return parseArcKey(secretName, text);
  }
}
