// mboxrd "From " quoting as a stream: every line that starts with zero or more
// '>' and then "From " gets one more '>' (reversible: a reader removes one).
// Works across chunk boundaries without buffering more than a line's start.
import { Transform, type TransformCallback } from 'node:stream';

const FROM = Buffer.from('From ');
const GT = Buffer.from('>');
const LF = 0x0a;

type Verdict = 'quote' | 'plain' | 'undecided';

function judge(data: Buffer, at: number): Verdict {
  let i = at;
  while (i < data.length && data[i] === 0x3e) i++;
  for (let k = 0; k < FROM.length; k++) {
    if (i + k >= data.length) return 'undecided';
    if (data[i + k] !== FROM[k]) return 'plain';
  }
  return 'quote';
}

export class FromQuoting extends Transform {
  /** The start of the current line while it cannot be judged yet. */
  private carry = Buffer.alloc(0);
  /** True once the current line's start has been judged and written. */
  private midLine = false;
  /** The last byte written, so the writer knows whether a newline must follow. */
  lastByte: number | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = Buffer.alloc(0);
    const out: Buffer[] = [];
    let pos = 0;
    while (pos < data.length) {
      if (this.midLine) {
        const nl = data.indexOf(LF, pos);
        const end = nl < 0 ? data.length : nl + 1;
        out.push(data.subarray(pos, end));
        pos = end;
        if (nl >= 0) this.midLine = false;
        continue;
      }
      const verdict = judge(data, pos);
      if (verdict === 'undecided') {
        this.carry = Buffer.from(data.subarray(pos));
        break;
      }
      if (verdict === 'quote') out.push(GT);
      this.midLine = true;
    }
    this.output(out, done);
  }

  override _flush(done: TransformCallback): void {
    // An unfinished line at the end cannot be a From line any more.
    this.output(this.carry.length > 0 ? [this.carry] : [], done);
  }

  private output(out: Buffer[], done: TransformCallback): void {
    const joined = Buffer.concat(out);
    if (joined.length > 0) this.lastByte = joined[joined.length - 1];
    done(null, joined);
  }
}
