import { describe, expect, it } from 'vitest';
import { BackupMxConfigError, parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';
import { BASE_CONTEXT, buildStack, deployedRoutes, statementsOf, allowing } from '../../support/cdk/stack-fixture.js';

const ARC = { domain: 'backup.example.org', selector: 'arc2026', keySecretName: 'backup-mx/arc-key' };
const withArc = { ...BASE_CONTEXT, routes: [{ ...BASE_CONTEXT.routes[0]!, arc: ARC }] };

describe('per-route ARC sealing in the stack', () => {
  const { template } = buildStack(withArc);

  it('passes the route\'s arc settings to the drain (in the deployed route table)', () => {
    expect(deployedRoutes(template)[0]!.arc).toEqual(ARC);
  });

  it('lets the drain, and only the drain, read the key secret', () => {
    const readsKey = (text: string) =>
      allowing(statementsOf(template, text), 'secretsmanager:GetSecretValue').some((s) => JSON.stringify(s.Resource).includes('backup-mx/arc-key'));
    expect(readsKey('delivers one route queue')).toBe(true);
    expect(readsKey('checks each primary')).toBe(false);
  });
});

describe('arc in the context', () => {
  it('checks domain, selector and secret name, naming the field', () => {
    try {
      parseBackupMxConfig({ ...withArc, routes: [{ ...withArc.routes[0]!, arc: { domain: 'not a domain', selector: '_bad', keySecretName: 'k' } }] });
      expect.unreachable();
    } catch (error) {
      expect((error as BackupMxConfigError).problems).toEqual([
        'backupMx.routes[0].arc.domain: expected a domain name such as "example.com", got "not a domain"',
        'backupMx.routes[0].arc.selector: expected a DKIM selector such as "arc2026", got "_bad"',
      ]);
    }
  });

  it('is optional and kept as given', () => {
    expect(parseBackupMxConfig(BASE_CONTEXT).routes[0]!.arc).toBeUndefined();
    expect(parseBackupMxConfig(withArc).routes[0]!.arc).toEqual(ARC);
  });
});
