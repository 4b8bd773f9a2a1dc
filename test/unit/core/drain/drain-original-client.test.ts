// The drain reads the original client from SES's Received header only for a
// primary with forwardClient, hands it to the transport with the content, and
// says once per message why when it cannot read it.
import { describe, expect, it } from 'vitest';
import { harness, route } from '../../../support/world/engine-harness.js';
import { rawMessage } from '../../../support/aws/ses-events.js';

const xclient = { primary: { ...route.primary, forwardClient: 'xclient' as const } };

describe('the original client in delivery', () => {
  it("is read from SES's Received header and given to the transport, the bytes unchanged", async () => {
    const h = harness({}, xclient);
    const { key } = await h.arrive();
    await h.runDrain();
    const tx = h.transports.transactions[0]!;
    expect(tx.client).toEqual({ addr: '198.51.100.7', family: 4, name: 'mail.sender.example', helo: 'mail.sender.example' });
    const original = h.store.objects.get(key)!;
    expect(tx.bytes.subarray(tx.bytes.length - original.length).equals(original)).toBe(true);
  });

  it('is not read for a primary without forwardClient', async () => {
    const h = harness();
    await h.arrive();
    await h.runDrain();
    expect(h.transports.transactions[0]!.client).toBeUndefined();
  });

  it('a header that cannot be read: delivered without it, said once for the message across its transactions', async () => {
    const h = harness({ maxRecipientsPerTransaction: 1 }, xclient);
    const raw = rawMessage().replace('[198.51.100.7]', '[198.51.100.700]');
    await h.arrive({ raw: Buffer.from(raw), recipients: ['bob@example.com', 'carol@example.com'] });
    await h.runDrain();
    expect(h.transports.transactions).toHaveLength(2);
    expect(h.transports.transactions.map((t) => t.client)).toEqual([undefined, undefined]);
    expect(h.transports.transactions.map((t) => t.result.replies[0]!.reply.code)).toEqual([250, 250]);
    const said = h.log.lines.filter((l) => l.message.includes('original client not told'));
    expect(said).toHaveLength(1);
    expect(said[0]!.message).toMatch(/client address is not an IP address/);
  });
});
