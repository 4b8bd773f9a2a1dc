// The trace and verdict headers SES receiving prepends to every stored
// message, in the order and folding SES uses (seen in real stored objects):
//   Return-Path, Received (by inbound-smtp.<region>.amazonaws.com with SMTP id
//   <messageId>), X-SES-Spam-Verdict, X-SES-Virus-Verdict, Received-SPF,
//   Authentication-Results (amazonses.com; spf=...; dkim=...; dmarc=...;).
// SES also adds X-SES-RECEIPT and X-SES-DKIM-SIGNATURE, opaque signatures of
// its own that nothing downstream reads; the stand-in leaves them out.
import type { Verdicts, VerdictStatus } from '../../lambdas/core/model.js';

export const ALL_PASS: Verdicts = { spam: 'PASS', virus: 'PASS', spf: 'PASS', dkim: 'PASS', dmarc: 'PASS' };

export interface SesHeaderInput {
  messageId: string;
  region: string;
  /** Envelope MAIL FROM; '' for the null sender. */
  sender: string;
  /** The first accepted recipient: SES names one in the Received `for` clause. */
  firstRecipient: string;
  /** What the client said in EHLO/HELO. */
  helo: string;
  /** The client's reverse DNS name, when known. */
  clientHostname?: string;
  clientIp: string;
  /** The domain of the message's From header, for the DMARC result. */
  fromDomain?: string;
  receivedAt: Date;
  verdicts: Verdicts;
}

/** The header block to put in front of the client's bytes (CRLF line ends, ends with CRLF). */
export function sesPrependedHeaders(input: SesHeaderInput): string {
  const { sender, helo, clientIp } = input;
  const rdns = input.clientHostname && !input.clientHostname.startsWith('[') ? input.clientHostname : 'unknown';
  // SPF checks the HELO name when the sender is null (RFC 7208 §2.4).
  const envelopeFrom = sender || `postmaster@${helo}`;
  const spfDomain = envelopeFrom.slice(envelopeFrom.lastIndexOf('@') + 1);
  const spf = spfText(input.verdicts.spf, spfDomain, clientIp);
  const spfDetail = `(spfCheck: ${spf.reason}) client-ip=${clientIp}; envelope-from=${envelopeFrom}; helo=${helo};`;
  const headerFrom = input.fromDomain ? ` header.from=${input.fromDomain}` : '';
  const dkimIdentity = input.verdicts.dkim === 'PASS' && input.fromDomain ? ` header.i=@${input.fromDomain}` : '';
  const lines = [
    `Return-Path: <${sender}>`,
    `Received: from ${helo} (${rdns} [${clientIp}])`,
    ` by inbound-smtp.${input.region}.amazonaws.com with SMTP id ${input.messageId}`,
    ` for ${input.firstRecipient};`,
    ` ${sesDate(input.receivedAt)}`,
    `X-SES-Spam-Verdict: ${input.verdicts.spam}`,
    `X-SES-Virus-Verdict: ${input.verdicts.virus}`,
    `Received-SPF: ${spf.result} ${spfDetail}`,
    'Authentication-Results: amazonses.com;',
    ` spf=${spf.result} ${spfDetail}`,
    ` dkim=${authResult(input.verdicts.dkim)}${dkimIdentity};`,
    ` dmarc=${authResult(input.verdicts.dmarc)}${headerFrom};`,
  ];
  return lines.join('\r\n') + '\r\n';
}

/** "Mon, 11 Jul 2022 01:49:39 +0000 (UTC)", as SES writes dates in Received. */
export function sesDate(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000 (UTC)');
}

function spfText(status: VerdictStatus, domain: string, ip: string): { result: string; reason: string } {
  switch (status) {
    case 'PASS':
      return { result: 'pass', reason: `domain of ${domain} designates ${ip} as permitted sender` };
    case 'FAIL':
      return { result: 'fail', reason: `domain of ${domain} does not designate ${ip} as permitted sender` };
    case 'GRAY':
      return { result: 'none', reason: `${ip} is neither permitted nor denied by domain of ${domain}` };
    default:
      return { result: 'temperror', reason: `transient error checking ${domain} for ${ip}` };
  }
}

function authResult(status: VerdictStatus): string {
  if (status === 'PASS') return 'pass';
  if (status === 'FAIL') return 'fail';
  if (status === 'GRAY') return 'none';
  return 'temperror';
}
