// Keeps log lines instead of printing them.
import type { DeliveryLog } from '../../core/runtime/ports.js';

export type AttemptLine = Parameters<DeliveryLog['attempt']>[0];

export class RecordingDeliveryLog implements DeliveryLog {
  readonly attempts: AttemptLine[] = [];
  readonly lines: { level: 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> }[] = [];

  attempt(entry: AttemptLine): void {
    this.attempts.push({ ...entry });
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'info', message, fields });
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'warn', message, fields });
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.lines.push({ level: 'error', message, fields });
  }
}
