// Which queues belong to a stack. The stack tags every queue it makes with its
// name (lib/constructs/route-queues.ts). The tag stays on a queue the stack
// retained (a renamed or removed route, a destroyed stack), so a stack
// deployed again under the same name still knows its old queues, and no
// other stack carries it. A name prefix cannot tell them apart: CloudFormation
// names the queues of stack "BackupMx-eu" `BackupMx-eu-<logical id>-<suffix>`,
// which starts with "BackupMx-" too.

/** The tag key; its value is the CloudFormation stack name. */
export const STACK_TAG = 'backup-mx:stack';

/** Whose a queue is by its tags: the stack name, or undefined for a queue no backup-mx stack tagged. */
export function ownerOf(tags: Readonly<Record<string, string>>): string | undefined {
  const owner = tags[STACK_TAG];
  return owner === undefined || owner === '' ? undefined : owner;
}

/** The command that marks an untagged queue as the stack's (queues retained before the tag existed). */
export function tagCommand(url: string, stackName: string): string {
  return `aws sqs tag-queue --queue-url ${url} --tags ${STACK_TAG}=${stackName}`;
}
