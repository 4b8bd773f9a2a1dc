// Child process: the SMTP peer (local/smtp-peer) as a plain sink standing in
// for the recovered primary. It reads and discards every message, counting
// messages and bytes; it can be stopped and started again on the same port,
// and pushes a 'received' event per message when asked to.
import { SmtpPeer } from '../local/smtp-peer/smtp-peer.js';
import { emit, serveChild } from './child-process.js';

let notify = false;
/** Time the sink takes before answering the final dot (a slow primary: scanning, disk). */
let delayMs = 0;

const sink = new SmtpPeer({
  name: 'sink.bench',
  starttls: 'off',
  keep: 'count',
  size: 100 * 1024 * 1024,
  maxClients: 1_000,
  dropOnStop: false,
  acceptedReply: () => 'Ok: kept',
  onReceived: (message) => {
    if (notify) emit('received', { at: message.at.getTime(), size: message.size });
  },
  steps: { replyDelayMs: () => delayMs },
});

serveChild({
  start: async () => {
    await sink.start();
    return sink.port;
  },
  stop: () => sink.stop(),
  stats: () => {
    const { kept, bytes, firstAt, lastAt, maxOpenConnections } = sink.stats;
    return { messages: kept, bytes, firstAt, lastAt, listening: sink.running, maxSessions: maxOpenConnections };
  },
  reset(args: { notify?: boolean; delayMs?: number } = {}) {
    delayMs = args?.delayMs ?? 0;
    notify = args?.notify ?? false;
    sink.resetCounts();
    return true;
  },
  exit: () => sink.stop(),
});
