// One error type for every service: handlers throw it, and each protocol renders it in its own
// wire shape so the SDK raises the matching typed exception.

export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Extra members of the error structure (rest-json / json bodies only). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }

  /** Query protocols say whether the caller or the service is at fault. */
  get senderFault(): boolean {
    return this.status < 500;
  }
}
