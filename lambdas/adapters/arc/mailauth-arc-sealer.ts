// ARC sealing with mailauth (RFC 8617 signatures are its field; no crypto of
// our own). One streamed pass over the message: mailauth's DKIM verifier reads
// the headers, finds any earlier ARC chain and hashes the body for our
// ARC-Message-Signature without holding the body; the earlier chain, if any,
// is validated (DNS) to give cv=; then the three fields are signed.
import { createPrivateKey } from 'node:crypto';
import type { Readable } from 'node:stream';
import { arc, createSeal } from 'mailauth/lib/arc/index.js';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import type { MessageSealer, SealRequest } from '../../core/message/ports.js';
import type { ArcKeySource } from './arc-key.js';

/** DNS TXT lookups as mailauth calls them (tests pass a table). */
export type TxtResolver = (name: string, type: string) => Promise<string[][]>;

export interface MailauthArcSealerOptions {
  keys: ArcKeySource;
  /** For validating an earlier chain (and the DKIM pass mailauth makes on the way); default: system DNS. */
  resolver?: TxtResolver;
  clock?: () => Date;
}

type ArcStatus = { status: { result: string; shouldSeal?: boolean }; i: number };

export class MailauthArcSealer implements MessageSealer {
  constructor(private readonly options: MailauthArcSealerOptions) {}

  async seal(content: Readable, request: SealRequest): Promise<string> {
    const privateKey = await this.options.keys.privateKey(request.keySecretName);
    const algorithm = createPrivateKey(privateKey).asymmetricKeyType === 'ed25519' ? 'ed25519-sha256' : 'rsa-sha256';
    const resolver = this.options.resolver;
    const verified = (await dkimVerify(content, {
      ...(resolver ? { resolver } : {}),
      seal: { signingDomain: request.domain, selector: request.selector, privateKey, algorithm },
    } as Parameters<typeof dkimVerify>[1])) as unknown as { arc: unknown; headers: unknown; seal: Record<string, unknown> };
    const chain = (await arc(verified.arc as never, (resolver ? { resolver } : {}) as never)) as unknown as ArcStatus;
    // As mailauth itself decides: seal a message with no chain or a valid one; a broken chain stays broken.
    if (!['none', 'pass'].includes(chain.status.result) && !chain.status.shouldSeal) return '';
    const seal = {
      i: chain.i + 1,
      cv: chain.status.result,
      authResults: request.authResults,
      signTime: (this.options.clock ?? (() => new Date()))(),
      ...verified.seal,
    };
    const { headers } = await createSeal(false, { headers: verified.headers, arc: verified.arc, seal });
    return headers.map((field) => `${field.replace(/\r?\n/g, '\r\n')}\r\n`).join('');
  }
}
