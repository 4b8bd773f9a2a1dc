// The local runner's "I'm back" endpoint: the same request as the function
// URL (POST /<route>, HMAC-signed) and the same use case (signature first,
// replays and stale or future timestamps refused and counted, the probe's own
// check) on 127.0.0.1, so a primary's start-up hook can be tried against `npm start`. The secret is kept in <data dir>/trigger.key
// (created on first start, mode 0600) and `backup-mx --local trigger-url` prints it in use.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { isHttpAnswer, pushAnswer, pushRoute, recipientsRequest } from '../../lambdas/adapters/http/recipients-http.js';
import { answer, isAnswer, triggerRequest, type HttpAnswer } from '../../lambdas/adapters/http/trigger-http.js';
import type { TriggerKey } from '../../lambdas/core/operator/ports.js';
import type { TriggerDrain } from '../../lambdas/core/operator/trigger-drain.js';
import type { RecipientPushEndpoint } from '../../lambdas/core/recipients/push-endpoint.js';
import { MAX_PUSH_BODY_BYTES } from '../../lambdas/core/recipients/push-limits.js';
import type { IncomingMessage } from 'node:http';

/** What the listener calls per request: the use case, or a wrapper around it. */
export type TriggerHandler = Pick<TriggerDrain, 'handle' | 'refusedHttp'>;
/** What the listener calls per push: the push use case, or a wrapper around it. */
export type PushHandler = Pick<RecipientPushEndpoint, 'handle' | 'refusedHttp'>;

export const TRIGGER_KEY_FILE = 'trigger.key';
/** The recipient push's own stack key beside it (the trigger's holders must not derive route push keys). */
export const PUSH_KEY_FILE = 'recipient-push.key';

/** The secret in `dir`/trigger.key (or `dir`/`name`), made on first use. */
export class FileTriggerKey implements TriggerKey {
  private value?: Promise<string>;
  constructor(readonly file: string) {}

  static inDir(dir: string, name = TRIGGER_KEY_FILE): FileTriggerKey {
    return new FileTriggerKey(path.join(dir, name));
  }

  secret(): Promise<string> {
    return (this.value ??= this.readOrCreate());
  }

  private async readOrCreate(): Promise<string> {
    try {
      const text = (await readFile(this.file, 'utf8')).trim();
      if (text.length >= 16) return text;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const secret = randomBytes(32).toString('hex');
    await mkdir(path.dirname(this.file), { recursive: true });
    await writeFile(this.file, `${secret}\n`, { mode: 0o600 });
    return secret;
  }
}

/** A random key that lives as long as the process (a runner that writes no files). */
export class MemoryTriggerKey implements TriggerKey {
  private readonly value = randomBytes(32).toString('hex');
  async secret(): Promise<string> {
    return this.value;
  }
}

/** Reads the body up to the largest cap (a longer one is answered 413 unread, as the function URL bounds it), then asks the use case. */
async function servePush(push: PushHandler, host: string, req: IncomingMessage, onError: (error: Error) => void): Promise<HttpAnswer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_PUSH_BODY_BYTES) {
      req.resume();
      await push.refusedHttp('too-large');
      return pushAnswer({ status: 413, message: `body over ${MAX_PUSH_BODY_BYTES} bytes` });
    }
    chunks.push(chunk);
  }
  // The host signed is the listener's own address, never the caller's Host header.
  const request = recipientsRequest(req.method ?? 'GET', req.url ?? '/', req.headers, Buffer.concat(chunks), host);
  if (isHttpAnswer(request)) {
    await push.refusedHttp();
    return request;
  }
  return push.handle(request).then(pushAnswer, (error: Error) => {
    onError(error);
    return pushAnswer({ status: 500, message: 'push failed; see the runner output' });
  });
}

export class TriggerListener {
  private constructor(private readonly server: Server) {}

  /** `push`: also serves POST /<route>/recipients (the recipient push), as the function URL does. */
  static async start(useCase: TriggerHandler, port: number, onError: (error: Error) => void, push?: PushHandler): Promise<TriggerListener> {
    const server = createServer((req, res) => {
      if (push && pushRoute(req.url ?? '/')) {
        const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
        void servePush(push, host, req, onError).then((a) => res.writeHead(a.statusCode, a.headers).end(a.body));
        return;
      }
      req.resume(); // no body is read: everything is in the path and headers
      const request = triggerRequest(req.method ?? 'GET', req.url ?? '/', req.headers);
      const reply = isAnswer(request)
        ? useCase.refusedHttp().then(() => request)
        : useCase.handle(request).then(answer, (error: Error) => {
            onError(error);
            return answer({ status: 500, message: 'trigger failed; see the runner output' });
          });
      void reply.then((a) => res.writeHead(a.statusCode, a.headers).end(a.body));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return new TriggerListener(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
