// Captures what a test's own process writes: stdout and stderr (Powertools'
// logger writes there through a Console of its own) and the global console
// (nodemailer's logger), passing everything on as before.
/** Everything written to stdout and stderr (and through console) until restore(). */
export function captureOutput() {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((stream) => stream.write);
  streams.forEach((stream, n) => {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (originals[n] as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
  });
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const consoleOriginals = methods.map((m) => console[m]);
  methods.forEach((m, n) => {
    console[m] = (...args: unknown[]) => {
      chunks.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      (consoleOriginals[n] as (...a: unknown[]) => void)(...args);
    };
  });
  let restored = false;
  return {
    text: () => chunks.join('\n'),
    restore() {
      if (restored) return;
      restored = true;
      streams.forEach((stream, n) => (stream.write = originals[n]!));
      methods.forEach((m, n) => (console[m] = consoleOriginals[n]!));
    },
  };
}
