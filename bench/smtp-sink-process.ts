// Child process: a plain SMTP sink (smtp-server on 127.0.0.1) standing in for
// the recovered primary. It reads and discards every message, counting
// messages and bytes; it can be stopped and started again on the same port,
// and pushes a 'received' event per message when asked to.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { emit, serveChild } from './child-process.js';

let server: SMTPServer | undefined;
let port = 0;
let messages = 0;
let bytes = 0;
let notify = false;
let firstAt: number | undefined;
let lastAt: number | undefined;
/** Time the sink takes before answering the final dot (a slow primary: scanning, disk). */
let delayMs = 0;
let sessions = 0;
let maxSessions = 0;

async function listen(): Promise<number> {
  if (server) return port;
  const smtp = new SMTPServer({
    name: 'sink.bench',
    logger: false,
    disableReverseLookup: true,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    size: 100 * 1024 * 1024,
    socketTimeout: 60_000,
    closeTimeout: 200,
    maxClients: 1_000,
    onConnect(_session, callback) {
      sessions += 1;
      maxSessions = Math.max(maxSessions, sessions);
      callback();
    },
    onClose() {
      sessions -= 1;
    },
    onData(stream, _session, callback) {
      let size = 0;
      stream.on('data', (chunk: Buffer) => (size += chunk.length));
      stream.on('end', () => {
        messages += 1;
        bytes += size;
        const now = Date.now();
        firstAt ??= now;
        lastAt = now;
        if (notify) emit('received', { at: now, size });
        if (delayMs > 0) setTimeout(() => callback(null, 'Ok: kept'), delayMs);
        else callback(null, 'Ok: kept');
      });
    },
  });
  smtp.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(port, '127.0.0.1', () => resolve());
  });
  port = (smtp.server.address() as AddressInfo).port;
  server = smtp;
  return port;
}

async function close(): Promise<void> {
  const smtp = server;
  server = undefined;
  if (smtp) await new Promise<void>((resolve) => smtp.close(() => resolve()));
}

serveChild({
  start: () => listen(),
  stop: () => close(),
  stats: () => ({ messages, bytes, firstAt, lastAt, listening: server !== undefined, maxSessions }),
  reset(args: { notify?: boolean; delayMs?: number } = {}) {
    delayMs = args?.delayMs ?? 0;
    maxSessions = sessions;
    messages = 0;
    bytes = 0;
    firstAt = undefined;
    lastAt = undefined;
    notify = args?.notify ?? false;
    return true;
  },
  exit: () => close(),
});
