import { describe, expect, it } from 'vitest';
import { shapeBy, shapeLines } from '../../../../cli/commands/mailq-shape.js';
import { queueShape } from '../../../../lambdas/core/operator/queue-shape.js';
import type { SelectedMessage } from '../../../../lambdas/core/operator/select-messages.js';

const NOW = new Date('2026-12-07T12:00:00.000Z');
const from = (sender: string, minutes = 0): SelectedMessage => ({
  id: sender,
  route: 'main',
  state: 'dead-letter',
  receivedAt: new Date(NOW.getTime() - minutes * 60_000),
  sender,
  recipients: ['bob@example.com'],
  objectKey: 'k',
  deadLetters: [],
});

describe('mailq --shape output', () => {
  it('shows a control character in a domain (from a crafted envelope) as ?, never raw to the terminal', () => {
    const lines = shapeLines(queueShape([from('a@evil\u001b[2J.example')], NOW));
    expect(lines.join('\n')).not.toContain('\u001b');
    expect(lines[2]!.trim().split(/\s+/)[0]).toBe('evil?[2j.example');
  });

  it('names the summed row with how many domains it holds', () => {
    const lines = shapeLines(queueShape([from('a@one.example'), from('a@two.example', 6), from('a@three.example')], NOW, 'sender', 1));
    expect(lines.at(-1)!.trim()).toBe('(2 other domains) 2 1  1  0  0  0   0   0   0    0     0');
  });

  it('takes --shape alone as sender, either name in any case, and refuses anything else naming the flag', () => {
    expect(shapeBy(true)).toBe('sender');
    expect(shapeBy('Recipient')).toBe('recipient');
    expect(() => shapeBy('domain')).toThrow('--shape: expected sender or recipient');
  });
});
