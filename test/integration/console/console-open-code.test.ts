// The one-time code `console --open` hands the browser (cli/console/open-codes.ts):
// exchanged once for the token cookie by the same 303 as the token URL, dead
// after that or after a minute (the console's clock moved by the test), never
// the token, and no way in when it is wrong, empty or presented as the token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPEN_CODE_TTL_MS } from '../../../cli/console/open-codes.js';
import { startConsole, type RunningConsole } from '../../../cli/console/server.js';
import { httpGet, startConsoleFixture, type ConsoleFixture } from '../../support/console/console-fixture.js';

describe('the one-time URL of console --open', () => {
  let c: ConsoleFixture;
  let running: RunningConsole;
  let now = Date.parse('2026-03-02T10:00:00Z');

  beforeAll(async () => {
    c = await startConsoleFixture();
    running = await startConsole(c.target, { now: () => now });
  });
  afterAll(async () => {
    await running?.close();
    await c?.stop();
  });

  const present = (url: string, headers: Record<string, string> = {}) => {
    const u = new URL(url);
    return httpGet(running.port, u.pathname + u.search, { host: u.host, ...headers });
  };
  const cookieOf = (reply: { headers: Record<string, string | string[] | undefined> }) => String(reply.headers['set-cookie']).split(';')[0];

  it('works once: the cookie (scoped to the prefix) and a 303 to the console; the second use is 403 with no cookie', async () => {
    const url = running.openUrl();
    const first = await present(url);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe(running.prefix);
    expect(first.headers['set-cookie']).toEqual([`backupmx_console_${running.port}=${running.token}; HttpOnly; SameSite=Strict; Path=${running.prefix}`]);
    expect((await httpGet(running.port, running.prefix, { host: `127.0.0.1:${running.port}`, cookie: cookieOf(first) })).status).toBe(200);
    const second = await present(url);
    expect(second.status).toBe(403);
    expect(second.headers['set-cookie']).toBeUndefined();
    expect(second.body).toContain('one-time link was used already or is over a minute old');
  });

  it('dies after a minute unused: at 59.999 s it works, at 60 s it is 403', async () => {
    const early = running.openUrl();
    const late = running.openUrl();
    now += OPEN_CODE_TTL_MS - 1;
    expect((await present(early)).status).toBe(303);
    now += 1;
    const expired = await present(late);
    expect(expired.status).toBe(403);
    expect(expired.headers['set-cookie']).toBeUndefined();
    expect(OPEN_CODE_TTL_MS).toBe(60_000);
  });

  it('is not the token: a fresh code each time, none equal to the token, none accepted as the token, and the token not accepted as a code', async () => {
    const codes = [running.openUrl(), running.openUrl()].map((u) => new URL(u).searchParams.get('code')!);
    expect(codes[0]).not.toBe(codes[1]);
    for (const code of codes) {
      expect(code).not.toBe(running.token);
      expect((await httpGet(running.port, `${running.prefix}?token=${code}`, { host: `127.0.0.1:${running.port}` })).status).toBe(403);
    }
    expect((await httpGet(running.port, `/open?code=${running.token}`, { host: `127.0.0.1:${running.port}` })).status).toBe(403);
  });

  it('a wrong, empty or missing code, or a foreign Host, is 403 and uses up nothing', async () => {
    const url = running.openUrl();
    const code = new URL(url).searchParams.get('code')!;
    const host = `127.0.0.1:${running.port}`;
    for (const path of ['/open', '/open?code=', `/open?code=${code.slice(0, -1)}`, `/open?code=${code}x`]) {
      expect((await httpGet(running.port, path, { host })).status, path).toBe(403);
    }
    // DNS rebinding: another site's page cannot spend the code (the Host check comes first).
    expect((await httpGet(running.port, `/open?code=${code}`, { host: 'evil.example' })).status).toBe(403);
    expect((await present(url)).status).toBe(303);
  });
});
