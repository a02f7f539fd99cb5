/**
 * What a failed apply means, in one line that names the object and, when the server says which,
 * the field. The API server reports a rejected field in two ways: validation (422, with
 * `details.causes[].field`) and, for server-side apply, a typed-patch error whose message
 * carries the field path (".spec.replicas: expected numeric ..." / "field not declared in
 * schema").
 */
import {
  GitopsError,
  type GitopsErrorOptions,
  isGitopsError,
  systemError,
  userError,
} from '../../primitives/errors.js';
import { KubeApiError } from './http.js';
import { describeRef, type ObjectRef } from './object.js';

export interface ApplyFailure {
  ref: ObjectRef;
  message: string;
  /** The rejected field, when the server named one (spec.replicas). */
  field?: string;
}

/** Thrown when some objects of a set could not be applied; results of the others are kept. */
export class ApplyError extends GitopsError {
  readonly failures: readonly ApplyFailure[];

  constructor(failures: readonly ApplyFailure[], first: GitopsError) {
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
    const options: GitopsErrorOptions = { cause: first };
    if (first.hint !== undefined) options.hint = first.hint;
    super(first.code, first.fault, `${first.message}${more}`, options);
    this.name = 'ApplyError';
    this.failures = failures;
  }
}

export function describeApplyError(
  e: unknown,
  ref: ObjectRef,
): { error: GitopsError; failure: ApplyFailure } {
  const name = describeRef(ref);
  if (isGitopsError(e)) return { error: e, failure: { ref, message: e.message } };
  if (!(e instanceof KubeApiError)) {
    const message = e instanceof Error ? e.message : String(e);
    return {
      error: systemError('GITOPS_KUBE', `cannot apply ${name}: ${message}`, { cause: e }),
      failure: { ref, message },
    };
  }
  const field = rejectedField(e);
  if (e.status === 409) {
    const owners = e.causes.map((c) => c.message).filter((m): m is string => m !== undefined);
    const detail = owners.length > 0 ? owners.join('; ') : e.message;
    const message = `${name}: another field manager owns fields we would change: ${detail}`;
    return {
      error: userError('GITOPS_CONFLICT', message, {
        cause: e,
        hint: 'the object was changed by another tool; remove the other manager or change it there',
      }),
      failure: { ref, message, ...(field ? { field: field.path } : {}) },
    };
  }
  if (field) {
    const message = `${name} was rejected: field ${field.path}: ${field.detail}`;
    return {
      error: userError('GITOPS_KUBE', message, {
        cause: e,
        hint: 'fix the manifest: the API schema refuses it',
      }),
      failure: { ref, message, field: field.path },
    };
  }
  const message = `${name}: ${e.message}`;
  const byUser = e.status === 400 || e.status === 422 || e.status === 404;
  return {
    error: byUser
      ? userError('GITOPS_KUBE', message, { cause: e })
      : systemError('GITOPS_KUBE', `cannot apply ${message}`, { cause: e }),
    failure: { ref, message },
  };
}

function rejectedField(e: KubeApiError): { path: string; detail: string } | undefined {
  const cause = e.causes.find((c) => c.field !== undefined && c.field !== '');
  if (cause?.field) {
    const detail = (cause.message ?? e.message).replace(/^Invalid value: /, 'invalid value ');
    return { path: cause.field.replace(/^\./, ''), detail };
  }
  // ".spec.template.spec.containers[name=\"x\"].bogus: field not declared in schema"
  const typed = /(?:^|[\s:(])(\.[A-Za-z0-9_$[\]="'\-./]+):\s*([^\n]+)$/.exec(e.message);
  if (typed && /typed|schema|expected|declared/.test(e.message)) {
    return { path: typed[1]!.replace(/^\./, ''), detail: typed[2]!.trim() };
  }
  return undefined;
}
