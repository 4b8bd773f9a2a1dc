// Any size AWS allows deploys: 20 routes x 40 domains synthesizes within every
// limit, ids cannot collide, and past a real limit synth names it.
import { describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  CLOUDFORMATION_MAX_OUTPUTS,
  CLOUDFORMATION_MAX_RESOURCES,
  LAMBDA_MAX_ENVIRONMENT_BYTES,
  environmentBytes,
  limitProblems,
  stackFigures,
} from '../../../lib/checks/aws-limits.js';
import { routeOutputId } from '../../../lib/backup-mx-stack.js';
import { buildStack } from '../../support/cdk/stack-fixture.js';

const mxOutputs = (t: { toJSON(): unknown }) =>
  Object.fromEntries(Object.entries((t.toJSON() as { Outputs: Record<string, { Value: unknown }> }).Outputs).filter(([id]) => id.startsWith('MxRecords')));

const PIN = `sha256:${'3A:'.repeat(31)}3A`;
const NEXT_PIN = `sha256:${'5F:'.repeat(31)}5F`;

function manyRoutes(routes: number, domains: number, name = (i: number) => `r${i + 1}`) {
  return {
    region: 'us-east-1',
    alarmEmail: 'ops@example.com',
    routes: Array.from({ length: routes }, (_, i) => ({
      name: name(i),
      domains: Array.from({ length: domains }, (_, j) => `customer-domain-${j + 1}.route${i + 1}.example.com`),
      // The largest primary: pinned, two pins (a certificate being replaced), an AUTH secret.
      primary: { host: `mx${i + 1}.example.net`, port: 587, tls: 'fingerprint', tlsFingerprints: [PIN, NEXT_PIN], authSecretName: `backup-mx/route-${i + 1}` },
    })),
  };
}

describe('AWS limits at scale', () => {
  // r1 .. r20: r1 and r11 used to collide (MxRecordr110).
  const { template, stack } = buildStack(manyRoutes(20, 40));
  const figures = stackFigures(stack);

  it('20 routes x 40 domains: every Lambda environment under 4 KB, < 200 outputs, < 500 resources', () => {
    const rendered = template.toJSON() as { Resources: Record<string, unknown>; Outputs: Record<string, unknown> };
    expect(Object.keys(rendered.Outputs).length).toBeLessThan(CLOUDFORMATION_MAX_OUTPUTS);
    expect(Object.keys(rendered.Resources).length).toBeLessThan(CLOUDFORMATION_MAX_RESOURCES);
    // The counts synth checks are the template's.
    expect(figures.outputs).toBe(Object.keys(rendered.Outputs).length);
    expect(figures.resources).toBe(Object.keys(rendered.Resources).length);
    const sizes = Object.values(figures.environmentBytes);
    expect(sizes.length).toBeGreaterThanOrEqual(4); // probe, drain, accept, rule-set activator
    for (const bytes of sizes) expect(bytes).toBeLessThan(LAMBDA_MAX_ENVIRONMENT_BYTES);
    expect(limitProblems(figures)).toEqual([]);
    console.log(`20x40: ${figures.resources} resources, ${figures.outputs} outputs, largest environment ~${Math.max(...sizes)} bytes`);
  });

  it('one MX output per route, each listing all its domains', () => {
    const outputs = mxOutputs(template);
    expect(Object.keys(outputs)).toHaveLength(20);
    expect(String(outputs.MxRecordsr11!.Value).split('; ')).toHaveLength(40);
    expect(String(outputs.MxRecordsr1!.Value)).toContain('customer-domain-1.route1.example.com MX 20');
  });

  it('output ids of different route names never collide, "-" included', () => {
    expect(routeOutputId('MxRecords', 'a-b')).not.toBe(routeOutputId('MxRecords', 'ab'));
    expect(routeOutputId('MxRecords', 'r1')).not.toBe(routeOutputId('MxRecords', 'r11'));
    const { template: dashed } = buildStack(manyRoutes(2, 1, (i) => (i === 0 ? 'a-b' : 'ab')));
    expect(Object.keys(mxOutputs(dashed)).sort()).toEqual(['MxRecordsaDb', 'MxRecordsab']);
    // Resource logical ids carry a hash of the construct path, so those never collide either.
    expect(Object.keys(dashed.findResources('AWS::SQS::Queue'))).toHaveLength(3);
  });

  it('past a limit, the problem names it', () => {
    expect(limitProblems({ resources: 501, outputs: 10, environmentBytes: {} })[0]).toMatch(/501 resources; CloudFormation allows 500/);
    expect(limitProblems({ resources: 10, outputs: 201, environmentBytes: {} })[0]).toMatch(/201 outputs; CloudFormation allows 200/);
    expect(limitProblems({ resources: 10, outputs: 10, environmentBytes: { 'S/fn': 5000 } })[0]).toMatch(/S\/fn.*5000 bytes; Lambda allows 4096/);
  });

  it('43 routes fit (9 resources each, an alarm e-mail too); synth fails naming the limit when the stack passes one (44 routes: over 500 resources)', () => {
    expect(Object.keys(buildStack(manyRoutes(43, 2)).template.toJSON().Resources).length).toBeLessThanOrEqual(500);
    expect(() => buildStack(manyRoutes(44, 2))).toThrow(/resources; CloudFormation allows 500/);
  });

  it('a route table too big for the custom resource event fails synth naming the limit', () => {
    const long = (i: number, j: number) => `${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.route${i}-${j}.example.com`;
    const huge = {
      region: 'us-east-1',
      routes: Array.from({ length: 12 }, (_, i) => ({
        name: `r${i}`,
        domains: Array.from({ length: 100 }, (_, j) => long(i, j)),
        primary: { host: 'mx.example.net', port: 587 },
      })),
    };
    expect(() => buildStack(huge)).toThrow(/route table takes about \d+ bytes.*256 KB.*400 KB/);
  });

  it('environment size counts names, values, and references at a generous estimate', () => {
    const stack = new Stack(new App(), 'S');
    const fn = new lambda.Function(stack, 'F', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'i.h', code: lambda.Code.fromInline('x') });
    expect(environmentBytes(stack, { AB: 'xyz' })).toBe(5);
    expect(environmentBytes(stack, { A: fn.functionName })).toBeGreaterThan(100);
  });
});
