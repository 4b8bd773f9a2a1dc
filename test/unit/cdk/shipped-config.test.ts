// The cdk.json the repository ships must synthesize (README: "Check it
// offline") and use a port a Lambda can reach.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildStack } from '../../support/cdk/stack-fixture.js';

const shipped = JSON.parse(readFileSync(new URL('../../../cdk.json', import.meta.url), 'utf8')).context.backupMx;

describe('the shipped cdk.json', () => {
  it('synthesizes, with no primary on port 25 unless egress is vpc-nat', () => {
    expect(() => buildStack(shipped)).not.toThrow();
    for (const route of shipped.routes) if (shipped.egress !== 'vpc-nat') expect(route.primary.port).not.toBe(25);
  });
});
