import { describe, expect, it } from 'vitest';
import { EXIT, systemError, toGitopsError, userError } from '../../src/primitives/errors.js';

describe('errors', () => {
  it('maps faults to exit codes', () => {
    expect(userError('GITOPS_BAD_INPUT', 'x').exitCode).toBe(EXIT.usage);
    expect(systemError('GITOPS_AWS', 'x').exitCode).toBe(EXIT.failed);
    expect(systemError('GITOPS_ABORTED', 'x').exitCode).toBe(EXIT.interrupted);
  });
  it('keeps messages to one line', () => {
    const e = userError('GITOPS_BAD_INPUT', 'first line\nsecond line', { hint: 'a\nb' });
    expect(e.message).toBe('first line');
    expect(e.toJSON()).toEqual({ code: 'GITOPS_BAD_INPUT', message: 'first line', hint: 'a' });
  });
  it('wraps foreign errors as system errors with the cause kept', () => {
    const cause = new Error('boom');
    const e = toGitopsError(cause);
    expect(e.fault).toBe('system');
    expect(e.cause).toBe(cause);
  });
});
