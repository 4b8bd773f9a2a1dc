// Entry of the emulator worker thread (plain JavaScript so it runs whatever
// loader the parent has): registers tsx for this thread, then runs the
// TypeScript side.
import { register } from 'tsx/esm/api';

register();
await import('./emulator-thread.ts');
