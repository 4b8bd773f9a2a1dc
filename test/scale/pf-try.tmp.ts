import { PostfixPrimary } from '../support/postfix-primary.js';
const p = await PostfixPrimary.start({ domain: 'example.com', users: ['alice'] });
const { execFileSync } = await import('node:child_process');
const to = ['alice@example.com', ...Array.from({ length: 45 }, (_, i) => `nobody${i}@example.com`)].join(',');
let out = '';
try { out = execFileSync('swaks', ['--server', '127.0.0.1', '--port', String(p.port), '--from', 'x@remote.example', '--to', to], { encoding: 'utf8' }); } catch (e) { out = (e as any).stdout; }
console.log(out.split('\n').filter((l) => /^<|RCPT/.test(l.trim()) || l.includes('<~')).slice(0, 60).join('\n'));
await p.stop();
