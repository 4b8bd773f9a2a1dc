// The console on the CLI tests' local backup MX (test/support/cli/local-fixture.ts):
// the target `backup-mx --local` builds, a console on it, and a raw HTTP client
// that can send any Host and Cookie (a browser would not let a test forge them).
import { request } from 'node:http';
import { readCliEnv } from '../../../cli/cli-env.js';
import { startConsole, type RunningConsole } from '../../../cli/console/server.js';
import { cookieName } from '../../../cli/console/security.js';
import { localTarget } from '../../../cli/local-target.js';
import type { Target } from '../../../cli/target.js';
import { startLocalFixture, type LocalFixture } from '../cli/local-fixture.js';

export interface ConsoleFixture {
  fx: LocalFixture;
  target: Target;
  console: RunningConsole;
  /** The Cookie header a browser sends after following the token URL. */
  cookie: string;
  get(path: string, headers?: Record<string, string>, method?: string): Promise<HttpReply>;
  /** A form POST as a browser sends it from the console's page (cookie, Origin, urlencoded body); `headers` overrides (a value of '' drops the header). */
  post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<HttpReply>;
  stop(): Promise<void>;
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body's bytes as sent (a download compared byte for byte). */
  bytes: Buffer;
}

export async function startConsoleFixture(): Promise<ConsoleFixture> {
  const fx = await startLocalFixture();
  const target = await localTarget({ local: true, dataDir: fx.dataDir }, () => {}, readCliEnv({}));
  const running = await startConsole(target);
  const host = `127.0.0.1:${running.port}`;
  return {
    fx,
    target,
    console: running,
    cookie: `${cookieName(running.port)}=${running.token}`,
    get: (path, headers = {}, method = 'GET') => httpGet(running.port, path, { host, ...headers }, method),
    post(path, form, headers = {}) {
      const all: Record<string, string> = {
        host,
        cookie: `${cookieName(running.port)}=${running.token}`,
        origin: `http://${host}`,
        'content-type': 'application/x-www-form-urlencoded',
        ...headers,
      };
      for (const [k, v] of Object.entries(all)) if (v === '') delete all[k];
      return httpGet(running.port, path, all, 'POST', new URLSearchParams(form).toString());
    },
    async stop() {
      await running.close();
      target.close();
      await fx.stop();
    },
  };
}

/** One request to 127.0.0.1:port with exactly these headers (Host included). */
export function httpGet(port: number, path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString('utf8'), bytes });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
