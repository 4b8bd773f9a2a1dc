// A TCP port free on 127.0.0.1 right now, for a server the test starts under
// its own config (Postfix) and so cannot ask for port 0 itself: the same
// reservation the demo makes for its primary (local/smtp-peer/reserve-port.ts).
import { reservePort } from '../../../local/smtp-peer/reserve-port.js';

export const freePort = (): Promise<number> => reservePort('127.0.0.1');
