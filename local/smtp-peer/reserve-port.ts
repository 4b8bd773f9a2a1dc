// A TCP port free right now, for a server started under its own config that
// cannot ask for port 0 itself (the demo's primary, which must come back on
// the same port; Postfix in the tests). Another process may take it before
// the caller listens: good enough on loopback for a demo or a test.
import { createServer, type AddressInfo } from 'node:net';

/** A port that was free a moment ago on `host` (listen on 0, read it, close). */
export async function reservePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
