// The one CDK test that really bundles: a wrong handler path or an import
// esbuild cannot resolve fails here, as it would in `cdk deploy`.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BASE_CONTEXT, buildStack } from '../../support/cdk/stack-fixture.js';

describe('Lambda bundles', () => {
  it('builds an ESM bundle for every function with local esbuild, and each one loads and exports handler', async () => {
    const { app, stack } = buildStack(undefined, { bundle: true });
    const assembly = app.synth();
    expect(assembly.getStackByName(stack.stackName).templateFile).toBeTruthy();
    const bundles = readdirSync(assembly.directory)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => join(assembly.directory, name, 'index.mjs'))
      .filter((file) => existsSync(file));
    // probe, drain, accept, activate-rule-set, trigger, pause-notices, reserve-concurrency, canary
    expect(bundles).toHaveLength(8);
    const sizes: number[] = [];
    for (const file of bundles) {
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('createRequire');
      sizes.push(text.length);
      const mod = (await import(pathToFileURL(file).href)) as { handler?: unknown };
      expect(typeof mod.handler, file).toBe('function');
    }
    // The public trigger builds no engine: no SMTP client, S3, SQS or SES in its bundle, so a cold start is cheap.
    const trigger = bundles.map((file) => readFileSync(file, 'utf8')).find((text) => text.includes('x-backupmx-signature'))!;
    for (const absent of ['nodemailer', 'GetObjectCommand', 'ReceiveMessageCommand', 'SendRawEmailCommand']) expect(trigger.includes(absent), absent).toBe(false);
    expect(trigger.length).toBeLessThan(Math.max(...sizes) / 2);
    rmSync(assembly.directory, { recursive: true, force: true });
  }, 120_000);

  it('bundles the recipient-sync custom resource and the rule writer when a route syncs its list, and they load', async () => {
    const context = { ...BASE_CONTEXT, routes: BASE_CONTEXT.routes.map((route, i) => (i === 0 ? { ...route, recipientSync: {} } : route)) };
    const { app, stack } = buildStack(context, { bundle: true });
    const assembly = app.synth();
    const template = JSON.parse(readFileSync(join(assembly.directory, assembly.getStackByName(stack.stackName).templateFile), 'utf8')) as { Resources: Record<string, { Type: string; Properties: { Description?: string; Code?: { S3Key?: string } } }> };
    const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Description?.includes('synced routes'))!;
    const file = join(assembly.directory, `asset.${fn.Properties.Code!.S3Key!.replace(/\.zip$/, '')}`, 'index.mjs');
    const mod = (await import(pathToFileURL(file).href)) as { handler?: unknown };
    expect(typeof mod.handler).toBe('function');
    // The rule writer a push asks: its own function and bundle, which loads.
    const writer = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Description?.includes('receipt rules after a push'))!;
    const writerFile = join(assembly.directory, `asset.${writer.Properties.Code!.S3Key!.replace(/\.zip$/, '')}`, 'index.mjs');
    expect(writerFile).not.toBe(file);
    expect(typeof ((await import(pathToFileURL(writerFile).href)) as { handler?: unknown }).handler).toBe('function');
    expect(readFileSync(writerFile, 'utf8')).toContain('applyRules');
    // The public push function: it loads, and carries no SES, SMTP or queue code (the rule writer writes the rules).
    const push = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Description?.includes('pushed by its primary'))!;
    const pushFile = join(assembly.directory, `asset.${push.Properties.Code!.S3Key!.replace(/\.zip$/, '')}`, 'index.mjs');
    expect(typeof ((await import(pathToFileURL(pushFile).href)) as { handler?: unknown }).handler).toBe('function');
    const pushText = readFileSync(pushFile, 'utf8');
    for (const absent of ['nodemailer', 'CreateReceiptRuleCommand', 'SendRawEmailCommand', 'ReceiveMessageCommand']) expect(pushText.includes(absent), absent).toBe(false);
    rmSync(assembly.directory, { recursive: true, force: true });
  }, 120_000);
});
