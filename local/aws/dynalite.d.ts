// dynalite ships no types; this covers the part the local emulators use.
declare module 'dynalite' {
  import type { Server } from 'node:http';

  interface DynaliteOptions {
    /** How long a new table stays CREATING (ms); 0 makes it ACTIVE at once. */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    /** LevelDB directory; in memory when absent. */
    path?: string;
    verbose?: boolean;
  }

  export default function dynalite(options?: DynaliteOptions): Server;
}
