// A real Postfix as the primary, for tests: its own config_directory and
// queue_directory under a temp dir, listening on a free 127.0.0.1 port, with
// virtual mailboxes for the valid users (anyone else gets Postfix's own
// "550 5.1.1 User unknown"), no chroot, logging to a file (no syslog here).
// Needs root and the postfix package; `available()` says why not otherwise.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../net/free-port.js';

const run = promisify(execFile);

export interface PostfixPrimaryOptions {
  domain: string;
  /** Local parts that have a mailbox. */
  users: string[];
  /** Quoted local parts (as Postfix reads them, unquoted: `john smith`) that have a mailbox, stored as `mailbox`. */
  quotedUsers?: { localPart: string; mailbox: string }[];
  /** Extra main.cf settings (name → value). */
  settings?: Record<string, string>;
}

export class PostfixPrimary {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly domain: string,
  ) {}

  /** Undefined when a Postfix can be started here, else the reason. */
  static unavailable(): string | undefined {
    if (!existsSync('/usr/sbin/postfix')) return 'postfix is not installed';
    if (process.getuid?.() !== 0) return 'postfix needs root to start';
    return undefined;
  }

  static async start(options: PostfixPrimaryOptions): Promise<PostfixPrimary> {
    const dir = mkdtempSync(join(tmpdir(), 'backupmx-postfix-'));
    chmodSync(dir, 0o755); // the postfix user must reach data/ and mail/
    const port = await freePort();
    const { stdout: ids } = await run('id', ['postfix']);
    const uid = /uid=(\d+)/.exec(ids)![1]!;
    const gid = /gid=(\d+)/.exec(ids)![1]!;
    for (const sub of ['queue', 'data', 'mail']) mkdirSync(join(dir, sub));
    chownSync(join(dir, 'data'), Number(uid), Number(gid));
    chownSync(join(dir, 'mail'), Number(uid), Number(gid));
    writeFileSync(join(dir, 'vmailbox'), options.users.map((u) => `${u}@${options.domain} ${options.domain}/${u}/\n`).join(''));
    // A texthash key cannot hold a space; a regexp table can.
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    writeFileSync(join(dir, 'vmailbox-quoted'), (options.quotedUsers ?? []).map((q) => `/^${escape(q.localPart)}@${escape(options.domain)}$/ ${options.domain}/${q.mailbox}/\n`).join(''));
    const settings: Record<string, string> = {
      compatibility_level: '3.6',
      queue_directory: join(dir, 'queue'),
      data_directory: join(dir, 'data'),
      meta_directory: '/etc/postfix',
      mail_owner: 'postfix',
      setgid_group: 'postdrop',
      myhostname: 'primary.test',
      mydestination: '',
      inet_interfaces: '127.0.0.1',
      inet_protocols: 'ipv4',
      mynetworks: '127.0.0.0/8',
      maillog_file: join(dir, 'maillog'),
      maillog_file_prefixes: dir,
      virtual_mailbox_domains: options.domain,
      virtual_mailbox_maps: `texthash:${join(dir, 'vmailbox')}, regexp:${join(dir, 'vmailbox-quoted')}`,
      virtual_mailbox_base: join(dir, 'mail'),
      virtual_uid_maps: `static:${uid}`,
      virtual_gid_maps: `static:${gid}`,
      smtpd_tls_security_level: 'none',
      smtp_tls_security_level: 'none',
      smtpd_relay_restrictions: 'permit_mynetworks, reject_unauth_destination',
      // Postfix's defaults, spelled out because the tests depend on them.
      smtpd_hard_error_limit: '20',
      smtpd_soft_error_limit: '10',
      smtpd_error_sleep_time: '1s',
      alias_maps: '',
      alias_database: '',
      ...options.settings,
    };
    writeFileSync(join(dir, 'main.cf'), Object.entries(settings).map(([k, v]) => `${k} = ${v}\n`).join(''));
    const master = readFileSync('/etc/postfix/master.cf', 'utf8')
      .split('\n')
      .map((line) => {
        if (/^\s*(#|$)/.test(line) || /^\s/.test(line)) return line;
        const cols = line.split(/\s+/);
        if (cols[0] === 'smtp' && cols[1] === 'inet') cols[0] = `127.0.0.1:${port}`;
        if (cols.length >= 8 && cols[4] === 'y') cols[4] = 'n'; // no chroot: the queue is a temp dir
        return cols.join(' ');
      })
      .join('\n');
    writeFileSync(join(dir, 'master.cf'), master);
    const primary = new PostfixPrimary(dir, port, options.domain);
    await run('postfix', ['-c', dir, 'start']);
    await primary.waitForPort();
    return primary;
  }

  /** Local parts that got a message, with how many copies each. */
  deliveries(): Map<string, number> {
    const got = new Map<string, number>();
    const base = join(this.dir, 'mail', this.domain);
    if (!existsSync(base)) return got;
    for (const user of readdirSync(base)) {
      const fresh = join(base, user, 'new');
      if (existsSync(fresh)) got.set(user, readdirSync(fresh).length);
    }
    return got;
  }

  /** Waits until `count` messages sit in mailboxes (virtual delivery is asynchronous). */
  async waitForDeliveries(count: number, timeoutMs = 15_000): Promise<Map<string, number>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.deliveries();
      if ([...got.values()].reduce((a, b) => a + b, 0) >= count || Date.now() > deadline) return got;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  log(): string {
    const file = join(this.dir, 'maillog');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  async stop(): Promise<void> {
    await run('postfix', ['-c', this.dir, 'stop']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitForPort(): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const ok = await new Promise<boolean>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: this.port });
        socket.once('data', () => {
          socket.end('QUIT\r\n');
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`postfix did not answer on 127.0.0.1:${this.port}; log:\n${this.log()}`);
  }
}
