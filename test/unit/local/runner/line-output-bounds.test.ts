// One event, one readable line: a dead letter of a thousand bounced
// recipients does not print a 16 KB detail on the runner's console.
import { describe, expect, it } from 'vitest';
import { LineDeliveryLog, LineOutput } from '../../../../local/runner/line-output.js';

describe('runner lines stay bounded', () => {
  it('cuts a long dead-letter detail and says where the rest is', () => {
    const lines: string[] = [];
    const log = new LineDeliveryLog(new LineOutput((line) => lines.push(line), () => new Date(2026, 0, 1, 9, 0, 0)));
    const detail = Array.from({ length: 1000 }, (_, n) => `<user${n}@example.com> 5.1.1 550 no such user`).join('; ');
    log.warn('dead-lettered', { messageId: 'm1', reason: 'bounced', detail });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThan(420);
    expect(lines[0]).toMatch(/^09:00:00 warning: dead-lettered m1 \(bounced\): <user0@example\.com> 5\.1\.1 550 no such user; .*… \(see `backup-mx --local show m1`\)$/);
    log.warn('dead-lettered', { messageId: 'm2', reason: 'virus', detail: 'short' });
    expect(lines[1]).toBe('09:00:00 warning: dead-lettered m2 (virus): short');
  });
});
