// Errors the command reports to the operator as one line, each with its own
// exit code, so scripts can tell "nothing to act on" from "cannot reach it".
export const EXIT = {
  ok: 0,
  /** The operation failed, or doctor found a failing check. */
  failed: 1,
  /** Bad usage: unknown verb or option, unknown route, missing confirmation. */
  usage: 2,
  /** No message with that id. */
  notFound: 3,
  /** No target: no deployed stack, or no local backup MX running. */
  noTarget: 4,
  /** No AWS credentials, or they are refused. */
  noCredentials: 5,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class NoTargetError extends CliError {
  constructor(message: string) {
    super(message, EXIT.noTarget);
    this.name = 'NoTargetError';
  }
}

export class NoCredentialsError extends CliError {
  constructor(detail: string) {
    super(
      `no usable AWS credentials (${detail}): configure them as for the AWS CLI ` +
        '(AWS_PROFILE, `aws sso login`, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), or use --local',
      EXIT.noCredentials,
    );
    this.name = 'NoCredentialsError';
  }
}

export class UnknownMessageError extends CliError {
  constructor(readonly messageId: string, where: string) {
    super(`no message with id ${messageId} ${where}`, EXIT.notFound);
    this.name = 'UnknownMessageError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = 'UsageError';
  }
}

const CREDENTIAL_ERRORS = new Set(['CredentialsProviderError', 'TokenProviderError']);
const REFUSED_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'AccessDeniedException',
]);

/** Turns SDK credential and permission errors into NoCredentialsError; anything else is returned as is. */
export function explainAwsError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof CliError) return error;
  if (CREDENTIAL_ERRORS.has(error.name) || /could not load credentials/i.test(error.message)) {
    return new NoCredentialsError(error.message);
  }
  if (REFUSED_ERRORS.has(error.name)) {
    const refused = new NoCredentialsError(`${error.name}: ${error.message}`);
    return refused;
  }
  return error;
}
