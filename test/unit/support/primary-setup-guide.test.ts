// docs/primary-setup.md against what `npm start` uses: the guide's backup-mx
// listener is on a port the local backup MX does not take, and the route, the
// openssl and swaks lines name that same port; the login carries the realm
// `saslpasswd2 -u` gives the user.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SMTP_PORT } from '../../../local/ses-standin/ses-standin.js';
import { GUIDE, GUIDE_REALM, guideSnippets } from '../../support/smtp/postfix-primary.js';

describe('docs/primary-setup.md', () => {
  const guide = readFileSync(GUIDE, 'utf8');
  const snippets = guideSnippets(guide);
  const listenerPort = Number(/^(\d+)\s+inet\s/m.exec(snippets.get('postfix-master.cf')!)![1]);

  it("the listener's port is not npm start's SMTP port, and every example names the listener's", () => {
    expect(listenerPort).not.toBe(DEFAULT_SMTP_PORT);
    const route = (JSON.parse(`{${snippets.get('backup-mx-route.json')!}}`) as { primary: { port: number } }).primary;
    expect(route.port).toBe(listenerPort);
    expect(guide).toContain(`openssl s_client -starttls smtp -connect mx.example.com:${listenerPort} `);
    expect(guide).toContain(`swaks --server mx.example.com:${listenerPort} `);
    expect(guide).not.toMatch(new RegExp(`mx\\.example\\.com:${DEFAULT_SMTP_PORT}\\b`));
  });

  it('the username of step 3 is the sasldb user with its -u realm; the certificate and a stopped Postfix are covered', () => {
    const user = /saslpasswd2 .*-u (\S+) (\S+)/.exec(snippets.get('postfix-sasl-user.sh')!)!;
    expect(user[1]).toBe(GUIDE_REALM);
    expect(guide).toContain(`"username":"${user[2]}@${user[1]}"`);
    expect(guide).toContain('BACKUPMX_LOCAL_SECRETS');
    expect(guide).toContain('postconf -e smtpd_tls_cert_file=/etc/ssl/certs/ssl-cert-snakeoil.pem');
    expect(guide).toContain('systemctl start postfix');
  });
});
