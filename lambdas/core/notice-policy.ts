// Who gets told about a message we cannot deliver. A DSN goes to the envelope
// sender only when it is likely real: never to the null sender (bounces of
// bounces), never for mail SES judged spam, virus, SPF or DMARC FAIL (the
// sender address is probably forged: that would be backscatter), and never
// when the route asks for dead-lettering. Those go to the dead-letter store.
import type { BouncePolicy, InboundMessage } from './model.js';

export type NoticeDecision = { kind: 'dsn' } | { kind: 'dead-letter'; why: string };

export function noticeFor(message: InboundMessage, bouncePolicy: BouncePolicy): NoticeDecision {
  if (message.sender === '') return { kind: 'dead-letter', why: 'null sender' };
  const { spam, virus, spf, dmarc } = message.verdicts;
  if (virus === 'FAIL') return { kind: 'dead-letter', why: 'virus verdict FAIL' };
  if (spam === 'FAIL') return { kind: 'dead-letter', why: 'spam verdict FAIL' };
  if (spf === 'FAIL') return { kind: 'dead-letter', why: 'SPF verdict FAIL' };
  if (dmarc === 'FAIL') return { kind: 'dead-letter', why: 'DMARC verdict FAIL' };
  if (bouncePolicy === 'dead-letter') return { kind: 'dead-letter', why: "route bounce policy is 'dead-letter'" };
  return { kind: 'dsn' };
}

/** Virus-positive mail is never delivered: it is quarantined (dead-letter reason 'virus'). */
export function mustQuarantine(message: InboundMessage): boolean {
  return message.verdicts.virus === 'FAIL';
}
