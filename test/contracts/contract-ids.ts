// Unique names for contract tests: the real adapters share one table or
// bucket per test file, so each test works under names nobody else uses.
import { randomUUID } from 'node:crypto';

export const uniqueId = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 12)}`;
