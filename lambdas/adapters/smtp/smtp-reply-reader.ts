// Reads whole SMTP replies (multi-line ones joined) from a socket, one at a
// time, each with a timeout. Used by the probe, which needs to know exactly
// which step failed.
import type { Socket } from 'node:net';

export interface RawReply {
  code: number;
  /** The reply lines as received, without CRLF. */
  lines: string[];
}

/** A failed probe step: "greeting: timeout after 5000 ms". */
export class ProbeStepError extends Error {
  constructor(readonly step: string, readonly detail: string) {
    super(`${step}: ${detail}`);
    this.name = 'ProbeStepError';
  }
}

const MAX_REPLY_BYTES = 64 * 1024;

export class SmtpReplyReader {
  private buffer = '';
  private lines: string[] = [];
  private replies: RawReply[] = [];
  private failure?: string;
  private wake?: () => void;
  private socket?: Socket;
  private readonly onData = (chunk: Buffer) => this.push(chunk.toString('latin1'));
  private readonly onClose = () => this.fail('connection closed');
  private readonly onError = (err: NodeJS.ErrnoException) => this.fail(err.code ?? err.message);

  constructor(socket: Socket) {
    this.attach(socket);
  }

  /** Moves to another socket (the TLS one after STARTTLS), dropping anything unread (RFC 3207 §4.2). */
  attach(socket: Socket): void {
    this.detach();
    this.buffer = '';
    this.lines = [];
    this.replies = [];
    this.failure = undefined;
    this.socket = socket;
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    socket.on('error', this.onError);
  }

  detach(): void {
    this.socket?.off('data', this.onData);
    this.socket?.off('close', this.onClose);
    this.socket?.off('error', this.onError);
    this.socket = undefined;
  }

  /** The next complete reply; throws ProbeStepError(step, ...) on timeout, close or error. */
  async next(step: string, timeoutMs: number): Promise<RawReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = this.replies.shift();
      if (reply) return reply;
      if (this.failure) throw new ProbeStepError(step, this.failure);
      const left = deadline - Date.now();
      if (left <= 0) throw new ProbeStepError(step, `timeout after ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private push(text: string): void {
    this.buffer += text;
    if (this.buffer.length > MAX_REPLY_BYTES) return this.fail('reply too long');
    let end: number;
    while ((end = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, end).replace(/\r$/, '');
      this.buffer = this.buffer.slice(end + 1);
      this.lines.push(line);
      const m = /^(\d{3})([ -]|$)/.exec(line);
      if (!m) return this.fail(`unexpected reply ${JSON.stringify(line.slice(0, 80))}`);
      if (m[2] !== '-') {
        this.replies.push({ code: Number(m[1]), lines: this.lines });
        this.lines = [];
      }
    }
    this.wake?.();
  }

  private fail(reason: string): void {
    this.failure ??= reason;
    this.wake?.();
  }
}

/** "421 4.3.2 Service not available" (the first line of a reply). */
export function replyText(reply: RawReply): string {
  return reply.lines[0] ?? String(reply.code);
}
