// Reads an mboxrd file back into its messages (for tests): splits at the
// "From " separator lines, drops the blank line the writer puts after each
// message, and undoes the ">From " quoting. The inverse of MboxWriter.
export interface MboxEntry {
  fromLine: string;
  raw: Buffer;
}

export function readMbox(file: Buffer): MboxEntry[] {
  const starts: number[] = [];
  for (let at = 0; at < file.length; ) {
    if ((at === 0 || file[at - 1] === 0x0a) && file.subarray(at, at + 5).toString('latin1') === 'From ') starts.push(at);
    const nl = file.indexOf(0x0a, at);
    if (nl < 0) break;
    at = nl + 1;
  }
  return starts.map((start, i) => {
    const end = starts[i + 1] ?? file.length;
    const lineEnd = file.indexOf(0x0a, start);
    const fromLine = file.subarray(start, lineEnd).toString('latin1');
    let body = file.subarray(lineEnd + 1, end);
    if (body[body.length - 1] === 0x0a) body = body.subarray(0, body.length - 1); // the separator blank line
    return { fromLine, raw: unquote(body) };
  });
}

function unquote(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; ) {
    const nl = body.indexOf(0x0a, at);
    const end = nl < 0 ? body.length : nl + 1;
    const line = body.subarray(at, end);
    parts.push(/^>+From /.test(line.subarray(0, 64).toString('latin1')) ? line.subarray(1) : line);
    at = end;
  }
  return Buffer.concat(parts);
}
