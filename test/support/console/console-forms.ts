// An action's forms as a browser meets them: the confirmation page's form
// (where it posts, every hidden field, the CSRF token included) and the POST
// with its 303 and the banner of the page it leads to.
import { expect } from 'vitest';
import type { ConsoleFixture } from './console-fixture.js';

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
export const unescapeHtml = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (e) => ENTITIES[e]!);

/** Opens the confirmation page as a browser would and reads its form: where it posts and every hidden field (csrf included). */
export async function confirmForm(c: ConsoleFixture, action: string, query: Record<string, string>): Promise<{ action: string; fields: Record<string, string>; page: string }> {
  const reply = await c.get(`/confirm/${action}?${new URLSearchParams(query).toString()}`, { cookie: c.cookie });
  expect(reply.status, reply.body).toBe(200);
  const form = /<form class="confirm" method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(reply.body)!;
  const fields = Object.fromEntries([...form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, unescapeHtml(m[2]!)]));
  return { action: form[1]!, fields, page: reply.body };
}

/** Posts a confirmation's fields; returns the 303's Location and the result page's banner. */
export async function post(c: ConsoleFixture, form: { action: string; fields: Record<string, string> }): Promise<{ location: string; banner: string; ok: boolean }> {
  const reply = await c.post(form.action, form.fields);
  expect(reply.status, reply.body).toBe(303);
  const location = String(reply.headers.location);
  const page = (await c.get(location, { cookie: c.cookie })).body;
  const banner = /<p class="(result|error)" role="(?:status|alert)">([^<]*)<\/p>/.exec(page);
  return { location, banner: unescapeHtml(banner?.[2] ?? ''), ok: banner?.[1] === 'result' };
}

/** Confirms and posts. */
export async function act(c: ConsoleFixture, action: string, query: Record<string, string>): Promise<{ location: string; banner: string; ok: boolean }> {
  return post(c, await confirmForm(c, action, query));
}
