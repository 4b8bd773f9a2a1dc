import { describe, expect, it } from 'vitest';
import { BackupMxConfigError, egressReachesPort25, parseBackupMxConfig } from '../../../lib/config/backup-mx-config.js';

const base = { region: 'us-east-1', routes: [{ name: 'corp', domains: ['example.com'], primary: { host: 'mx.example.com', port: 25 } }] };
const problems = (egress: unknown) => {
  try {
    parseBackupMxConfig({ ...base, egress });
  } catch (error) {
    return (error as BackupMxConfigError).problems;
  }
  return [];
};

describe('egress in the context', () => {
  it('takes a mode word or { mode, elasticIpAllocationId }', () => {
    expect(parseBackupMxConfig(base)).toMatchObject({ egress: 'none' });
    expect(parseBackupMxConfig(base)).not.toHaveProperty('elasticIpAllocationId');
    expect(parseBackupMxConfig({ ...base, egress: 'vpc-nat-instance' })).toMatchObject({ egress: 'vpc-nat-instance' });
    const config = parseBackupMxConfig({ ...base, egress: { mode: 'vpc-nat', elasticIpAllocationId: 'eipalloc-0123456789abcdef0' } });
    expect(config).toMatchObject({ egress: 'vpc-nat', elasticIpAllocationId: 'eipalloc-0123456789abcdef0' });
    // as -c gives it: the whole context as a JSON string
    expect(parseBackupMxConfig(JSON.stringify({ ...base, egress: { mode: 'vpc-nat-instance', elasticIpAllocationId: 'eipalloc-12345678' } }))).toMatchObject({
      egress: 'vpc-nat-instance',
      elasticIpAllocationId: 'eipalloc-12345678',
    });
  });

  it('names what is wrong', () => {
    expect(problems({ mode: 'vpc-nat', elasticIpAllocationId: '1.2.3.4' })).toEqual([
      'backupMx.egress.elasticIpAllocationId: expected an Elastic IP allocation id such as "eipalloc-0123456789abcdef0", got "1.2.3.4"',
    ]);
    expect(problems({ mode: 'none', elasticIpAllocationId: 'eipalloc-12345678' })).toEqual([
      'backupMx.egress.elasticIpAllocationId: only used with mode "vpc-nat" or "vpc-nat-instance"; set the mode too',
    ]);
    expect(problems({ mode: 'vpc-nat', eip: 'x' })).toEqual(['backupMx.egress: unknown field "eip"']);
  });

  it('one helper says whether deliveries can reach port 25', () => {
    expect(egressReachesPort25({ egress: 'none' })).toBe(false);
    expect(egressReachesPort25({ egress: 'vpc-nat' })).toBe(true);
    expect(egressReachesPort25({ egress: 'vpc-nat-instance' })).toBe(true);
  });
});
