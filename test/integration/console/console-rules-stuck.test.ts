// The overview says, on the route's row, when a synced list's receipt rules
// stay pending past what the rule writer can take (the line `status` lists
// under problems); a list whose rules are pending only a short while, or
// written, says nothing there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULES_PENDING_PROBLEM_SECONDS } from '../../../cli/recipient-list-status.js';
import { S3RecipientListStore } from '../../../lambdas/adapters/aws/recipient-list-store.js';
import { startConsoleFixture, type ConsoleFixture } from '../../support/console/console-fixture.js';

describe('console overview: a synced list whose rules stay pending', () => {
  let c: ConsoleFixture;
  beforeAll(async () => {
    c = await startConsoleFixture();
  });
  afterAll(async () => {
    await c?.stop();
  });

  const routeRow = (body: string, route: string) => body.slice(body.indexOf(`<tr data-route="${route}">`), body.indexOf('</tr>', body.indexOf(`<tr data-route="${route}">`)));

  it('flags the route once the rules are pending longer than the writer can run, and no more once written', async () => {
    const store = new S3RecipientListStore(c.fx.clients.doc, c.fx.resources.tableName, c.fx.clients.s3, c.fx.resources.bucketName);
    const list = (updatedAt: Date) => ({ addresses: ['bob@example.com'], updatedAt, source: 'push', forced: false });
    expect(await store.write('main', list(new Date()), 0)).toBe(true);
    let page = await c.get('/', { cookie: c.cookie });
    expect(routeRow(page.body, 'main')).not.toContain('not written since');

    const since = new Date(Date.now() - (RULES_PENDING_PROBLEM_SECONDS + 60) * 1000);
    expect(await store.write('main', list(since), 1)).toBe(true);
    page = await c.get('/', { cookie: c.cookie });
    expect(routeRow(page.body, 'main')).toContain(`<div class="alert">main: rules for list version 2 not written since ${since.toISOString()}`);
    expect(routeRow(page.body, 'other')).not.toContain('not written since');

    await store.markApplied('main', 2, new Date());
    page = await c.get('/', { cookie: c.cookie });
    expect(routeRow(page.body, 'main')).not.toContain('not written since');
  });
});
