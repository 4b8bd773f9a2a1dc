// A real Postfix as "the primary", configured with the blocks of
// docs/primary-setup.md (read out of the markdown, so guide and test cannot
// drift): its own config, queue and data directories under a temp dir, the
// guide's backup-mx listener on a free loopback port, Cyrus sasldb AUTH.
// Its certificate is self-signed (as on many primaries), so backup-mx pins it
// (tls "fingerprint"): `certificateFingerprint` is the pin.
// What the guide leaves to the reader's existing setup (which domains are
// ours, who the users are, where mail ends up) is the scaffolding below: the
// domain is a relay domain with a recipient list, relayed to a mailbox server
// (a ScriptedPrimary) so the test sees the envelope and bytes Postfix passed on.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTestCertificate } from './scripted-primary-certificate.js';
import { freePort } from '../net/free-port.js';

export const GUIDE = fileURLToPath(new URL('../../../docs/primary-setup.md', import.meta.url));
/** What the guide's blocks name; the instance substitutes its own. */
const GUIDE_CONFIG_DIR = '/etc/postfix';
const GUIDE_PORT = '2526';
/** The guide's example Elastic IP (output EgressIp); the local backup MX connects from 127.0.0.1. */
const GUIDE_EGRESS_IP = '203.0.113.25';
export const GUIDE_REALM = 'mx.example.com';

/** The fenced block after each `<!-- snippet: name -->` in the guide. */
export function guideSnippets(markdown = readFileSync(GUIDE, 'utf8')): Map<string, string> {
  const snippets = new Map<string, string>();
  const pattern = /<!-- snippet: ([\w.-]+) -->\s*\n```[^\n]*\n([\s\S]*?)\n```/g;
  for (const match of markdown.matchAll(pattern)) snippets.set(match[1]!, `${match[2]!}\n`);
  return snippets;
}

function snippet(snippets: Map<string, string>, name: string): string {
  const text = snippets.get(name);
  if (!text) throw new Error(`docs/primary-setup.md has no block marked <!-- snippet: ${name} -->`);
  return text;
}

/** Why Postfix cannot run here, or undefined when it can. */
export function postfixUnavailable(): string | undefined {
  if (!existsSync('/usr/sbin/postfix')) return 'postfix is not installed (see .ci/run)';
  if (!existsSync('/usr/sbin/saslpasswd2')) return 'saslpasswd2 is missing (apt-get install sasl2-bin)';
  if (process.getuid?.() !== 0) return 'postfix start needs root';
  const mechanisms = execFileSync('postconf', ['-a'], { encoding: 'utf8' });
  if (!/^cyrus$/m.test(mechanisms)) return 'this Postfix has no Cyrus SASL (postconf -a)';
  return undefined;
}


/** True when something listens on 127.0.0.1:`port`. */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });

async function waitForRefusal(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (await listening(port)) {
    if (Date.now() > deadline) throw new Error(`postfix still listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitForListener(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await listening(port)) return;
    if (Date.now() > deadline) throw new Error(`postfix did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Postfix's own services, unchrooted (no chroot to populate), and no port-25 listener. */
const BASE_MASTER_CF = `
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;

export interface PostfixPrimaryOptions {
  /** The domain the listener takes mail for, and its known users. */
  domain: string;
  users: string[];
  /** Where accepted mail is relayed (the mailbox server stand-in). */
  mailbox: { host: string; port: number };
  /** backup-mx's SASL login: `${user}@${GUIDE_REALM}`. */
  password: string;
  /**
   * Seconds smtpd pauses after the final dot before it answers: a primary with
   * a milter (amavis, rspamd) that takes seconds per message.
   */
  endOfDataSleepSeconds?: number;
  /** The guide block that is the listener (default "postfix-master.cf"); its port and egress IP are ours. */
  listener?: string;
  /** More domains relayed like `domain` (the same users' local parts in each). */
  moreDomains?: string[];
  /** Extra main.cf lines: the reader's own port-25 checks; `{dir}` is the configuration directory. */
  mainCf?: string[];
  /** Extra files in the configuration directory (maps named by mainCf). */
  files?: Record<string, string>;
}

export class PostfixPrimary {
  private constructor(
    readonly dir: string,
    readonly configDir: string,
    readonly port: number,
    readonly username: string,
    /** The self-signed certificate its listener presents (PEM). */
    readonly certificate: string,
  ) {}

  /** The SHA-256 of its certificate, "sha256:AB:…": the pin of a tls "fingerprint" route. */
  get certificateFingerprint(): string {
    return `sha256:${new X509Certificate(this.certificate).fingerprint256}`;
  }

  static async start(options: PostfixPrimaryOptions): Promise<PostfixPrimary> {
    const snippets = guideSnippets();
    const dir = mkdtempSync(join(tmpdir(), 'backupmx-postfix-'));
    chmodSync(dir, 0o755); // postfix (the user) reads the sasldb and its queue below it
    const configDir = join(dir, 'etc');
    const port = await freePort();
    const sub = (text: string) => text.replaceAll(GUIDE_CONFIG_DIR, configDir);
    try {
      mkdirSync(join(configDir, 'sasl'), { recursive: true });
      mkdirSync(join(configDir, 'tls'));
      const certificate = makeTestCertificate([GUIDE_REALM, '127.0.0.1']);
      writeFileSync(join(configDir, 'tls', 'cert.pem'), certificate.cert);
      writeFileSync(join(configDir, 'tls', 'key.pem'), certificate.key, { mode: 0o600 });
      const domains = [options.domain, ...(options.moreDomains ?? [])];
      const users = domains.flatMap((domain) => options.users.map((u) => `${u.split('@')[0]}@${domain}`));
      writeFileSync(join(configDir, 'recipients'), users.map((u) => `${u} ok`).join('\n') + '\n');
      writeFileSync(join(configDir, 'transport'), domains.map((d) => `${d} smtp:[${options.mailbox.host}]:${options.mailbox.port}\n`).join(''));
      for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(configDir, name), text);
      writeFileSync(
        join(configDir, 'main.cf'),
        [
          'compatibility_level = 3.6',
          `queue_directory = ${join(dir, 'spool')}`,
          `data_directory = ${join(dir, 'lib')}`,
          `maillog_file = ${join(dir, 'maillog')}`,
          `maillog_file_prefixes = ${dir}`,
          `syslog_name = postfix-backupmx-test`,
          `myhostname = ${GUIDE_REALM}`,
          'mydestination =',
          'inet_interfaces = 127.0.0.1',
          'inet_protocols = ipv4',
          'alias_maps =',
          'alias_database =',
          'biff = no',
          // The reader's existing setup: our domain, its users, where its mail goes.
          `relay_domains = ${domains.join(', ')}`,
          `relay_recipient_maps = texthash:${join(configDir, 'recipients')}`,
          `transport_maps = texthash:${join(configDir, 'transport')}`,
          'smtp_tls_security_level = none',
          `smtpd_tls_cert_file = ${join(configDir, 'tls', 'cert.pem')}`,
          `smtpd_tls_key_file = ${join(configDir, 'tls', 'key.pem')}`,
          ...(options.endOfDataSleepSeconds ? [`smtpd_end_of_data_restrictions = sleep ${options.endOfDataSleepSeconds}`] : []),
          ...(options.mainCf ?? []).map((line) => line.replaceAll('{dir}', configDir)),
          '',
        ].join('\n'),
      );
      // The guide's listener, on our port.
      const block = options.listener ?? 'postfix-master.cf';
      const listener = sub(snippet(snippets, block)).replace(/^\d+(\s+inet\s)/m, `${port}$1`).replaceAll(GUIDE_EGRESS_IP, '127.0.0.1');
      if (!listener.startsWith(`${port}`) && !listener.includes(`\n${port} `)) throw new Error(`the guide block ${block} has no inet listener line (the guide uses port ${GUIDE_PORT})`);
      writeFileSync(join(configDir, 'master.cf'), BASE_MASTER_CF + listener);
      writeFileSync(join(configDir, 'sasl', 'smtpd.conf'), sub(snippet(snippets, 'postfix-sasl-smtpd.conf')));
      // The guide's commands, as written, but with the password on stdin (-p) instead of a prompt.
      for (const line of sub(snippet(snippets, 'postfix-sasl-user.sh')).split('\n').map((l) => l.trim()).filter(Boolean)) {
        const [command, ...args] = line.split(/\s+/);
        if (command === 'postfix' && args[0] === 'reload') continue; // started below instead
        if (command === 'saslpasswd2') execFileSync(command, ['-p', ...args], { input: options.password });
        else execFileSync(command!, args);
      }
      const user = /saslpasswd2 .*-u (\S+) (\S+)/.exec(snippet(snippets, 'postfix-sasl-user.sh'));
      const instance = new PostfixPrimary(dir, configDir, port, `${user![2]}@${user![1]}`, certificate.cert);
      mkdirSync(join(dir, 'spool'), { mode: 0o755 });
      mkdirSync(join(dir, 'lib'), { mode: 0o700 });
      execFileSync('chown', ['postfix:postfix', join(dir, 'lib')]);
      execFileSync('postfix', ['-c', configDir, 'check'], { stdio: 'pipe' }); // creates the queue directories
      execFileSync('postfix', ['-c', configDir, 'start'], { stdio: 'pipe' });
      await waitForListener(port, 15_000);
      return instance;
    } catch (error) {
      try {
        execFileSync('postfix', ['-c', configDir, 'stop'], { stdio: 'ignore' });
      } catch {
        // not started
      }
      const log = existsSync(join(dir, 'maillog')) ? readFileSync(join(dir, 'maillog'), 'utf8').slice(-2000) : '';
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`${(error as Error).message}${log ? `\npostfix log:\n${log}` : ''}`);
    }
  }

  /** Runs one of the guide's shell blocks against this instance (MAIL_CONFIG points postconf at its configuration); its stdout. */
  guideCommand(name: string): string {
    return execFileSync('sh', ['-c', snippet(guideSnippets(), name)], { env: { ...process.env, MAIL_CONFIG: this.configDir }, encoding: 'utf8' });
  }

  /** Postfix's log so far (maillog_file). */
  log(): string {
    const file = join(this.dir, 'maillog');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** Stops Postfix but keeps its files: the primary is down until `resume()`. */
  async pause(): Promise<void> {
    execFileSync('postfix', ['-c', this.configDir, 'stop'], { stdio: 'pipe' });
    await waitForRefusal(this.port, 15_000);
  }

  /** Starts it again on the same configuration, queue and log. */
  async resume(): Promise<void> {
    execFileSync('postfix', ['-c', this.configDir, 'start'], { stdio: 'pipe' });
    await waitForListener(this.port, 15_000);
  }

  async stop(): Promise<void> {
    try {
      execFileSync('postfix', ['-c', this.configDir, 'stop'], { stdio: 'ignore' });
    } catch {
      // already stopped (a test that failed while it was paused)
    } finally {
      // `postfix stop` returns once master is told; give it a moment to exit before the files go.
      await new Promise((r) => setTimeout(r, 300));
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
