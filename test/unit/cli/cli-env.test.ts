// The CLI's environment is read in one place (cli/cli-env.ts); these are the
// rules every command relies on.
import { describe, expect, it } from 'vitest';
import { readCliEnv } from '../../../cli/cli-env.js';

describe('readCliEnv', () => {
  it('takes each variable the CLI uses, and hands the whole environment on for the SDK and the config reader', () => {
    const env = { BACKUPMX_DATA_DIR: 'd', BACKUPMX_LOCAL_SECRETS: 's.json', BACKUPMX_CONTEXT_FILE: 'c.json', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://x' };
    expect(readCliEnv(env)).toEqual({ dataDir: 'd', localSecrets: 's.json', contextFile: 'c.json', region: 'eu-west-1', passOn: env });
  });

  it('AWS_REGION wins over AWS_DEFAULT_REGION, which is used alone', () => {
    expect(readCliEnv({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'us-east-1' }).region).toBe('eu-west-1');
    expect(readCliEnv({ AWS_DEFAULT_REGION: 'us-east-1' }).region).toBe('us-east-1');
  });

  it('an empty variable counts as unset (BACKUPMX_DATA_DIR= must not pick a directory or print the note)', () => {
    const read = readCliEnv({ BACKUPMX_DATA_DIR: '', BACKUPMX_LOCAL_SECRETS: '', BACKUPMX_CONTEXT_FILE: '', AWS_REGION: '', AWS_DEFAULT_REGION: 'us-east-1' });
    expect(read).toEqual({ region: 'us-east-1', passOn: expect.any(Object) });
  });
});
