// The canary key kept in memory; `fail` makes the next reads reject (a table that cannot be read).
import { randomBytes } from 'node:crypto';
import type { CanaryKeys } from '../../core/canary/canary-ports.js';

export class InMemoryCanaryKey implements CanaryKeys {
  value?: Buffer;
  fail?: Error;
  reads = 0;

  async get(): Promise<Buffer | undefined> {
    this.reads += 1;
    if (this.fail) throw this.fail;
    return this.value;
  }

  async getOrCreate(): Promise<Buffer> {
    if (this.fail) throw this.fail;
    this.value ??= randomBytes(32);
    return this.value;
  }
}
