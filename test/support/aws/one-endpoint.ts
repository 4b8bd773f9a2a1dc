// One endpoint for the embedded emulators, as LocalStack gives: a loopback
// HTTP proxy that sends DynamoDB's calls (X-Amz-Target: DynamoDB_…) to
// dynalite and every other call (S3, SQS, SNS) to fauxqs. Code that takes
// only AWS_ENDPOINT_URL (the CLI's deployed-stack target) can then run against
// the emulators. Nothing leaves 127.0.0.1.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OneEndpoint {
  url: string;
  /** The calls it passed on, by where they went. */
  calls: { dynamodb: number; other: number };
  stop(): Promise<void>;
}

export async function startOneEndpoint(endpoints: { dynamodb: string; s3: string; sqs: string }): Promise<OneEndpoint> {
  if (endpoints.s3 !== endpoints.sqs) throw new Error(`one endpoint: S3 (${endpoints.s3}) and SQS (${endpoints.sqs}) must share one emulator`);
  const calls = { dynamodb: 0, other: 0 };
  const server: Server = createServer((req, res) => {
    const dynamo = String(req.headers['x-amz-target'] ?? '').startsWith('DynamoDB_');
    if (dynamo) calls.dynamodb += 1;
    else calls.other += 1;
    const to = new URL(dynamo ? endpoints.dynamodb : endpoints.s3);
    const upstream = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    upstream.on('error', (error) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`one endpoint: ${error.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
