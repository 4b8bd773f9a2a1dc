// The setup every contract suite shares: a fresh subject before each test
// (from the fake or the real adapter) and its cleanup after.
import { afterEach, beforeEach } from 'vitest';

export type MakeSubject<T> = () => Promise<{ subject: T; cleanup(): Promise<void> }>;

/** Registers the hooks; `use` receives each test's subject. */
export function eachSubject<T>(make: MakeSubject<T>, use: (subject: T) => void): void {
  let cleanup: () => Promise<void> = async () => {};
  beforeEach(async () => {
    const made = await make();
    use(made.subject);
    cleanup = () => made.cleanup();
  });
  afterEach(async () => {
    await cleanup();
  });
}
