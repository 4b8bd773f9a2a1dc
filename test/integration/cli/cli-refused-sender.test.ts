// A message whose envelope sender the address grammar refuses (here the
// issue 17 injection, `x;dkim=pass;…@attacker.example`) is never delivered
// and never lost: the drain dead-letters it, `mailq --dead` lists it, `show`
// says why, and `show --raw` still hands out its stored bytes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalFixture, type LocalFixture } from '../../support/cli/local-fixture.js';

describe('a refused envelope sender on the local backup MX', () => {
  let fx: LocalFixture;

  beforeAll(async () => {
    fx = await startLocalFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it('is dead-lettered, listed, explained, and its raw message can be read', async () => {
    const sender = 'x;dkim=pass;dmarc=pass;y@attacker.example';
    const messageId = await fx.queue({ recipients: ['bob@example.com'], sender, subject: 'trust me' });
    expect((await fx.cli('flush', 'main')).code).toBe(0);
    expect(fx.primary.messages).toEqual([]);

    const dead = (await fx.cli('mailq', '--dead', '--json')).io.json<{ id: string; reason: string; detail: string }[]>();
    const letter = dead.find((d) => d.reason === 'malformed-notification')!;
    expect(letter.detail).toContain('mail.source: not an RFC 5321 mail address');
    expect(letter.id).toMatch(/^malformed-/);

    const show = await fx.cli('show', letter.id);
    expect(show.code).toBe(0);
    expect(show.io.text).toContain('not an RFC 5321 mail address');
    const raw = await fx.cli('show', letter.id, '--raw');
    expect(raw.code).toBe(0);
    const bytes = Buffer.concat(raw.io.bytes).toString('utf8');
    expect(bytes).toContain(`Message-ID: <${messageId}@sender.example>`);
    expect(bytes).toContain('Subject: trust me');
  });
});
