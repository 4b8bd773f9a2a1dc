#!/usr/bin/env node
// `npx backup-mx …`: runs the TypeScript command (cli/main.ts) through tsx,
// so the operator needs no build step.
import { register } from 'tsx/esm/api';

// The SDK's multi-line "Node 20 support ends in 2027" notice would precede
// every command's output; the project supports Node 20 until then.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
