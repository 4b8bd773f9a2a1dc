// Runs a ScriptedPrimary in a child process (forked with IPC), so a test can
// measure the memory of the sending side alone. Protocol: the child sends
// { port } once listening; the parent sends 'messages' (answered with the kept
// messages' size and sha256) or 'stop'.
import { ScriptedPrimary } from './scripted-primary.js';

const primary = await ScriptedPrimary.start({ keep: 'digest' });
process.send?.({ port: primary.port });
process.on('message', async (command: string) => {
  if (command === 'messages') {
    process.send?.({ messages: primary.messages.map((m) => ({ size: m.size, sha256: m.sha256, to: m.to })) });
  } else if (command === 'stop') {
    await primary.stop();
    process.disconnect?.();
  }
});
