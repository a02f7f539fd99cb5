// How each service answers an input its model forbids. The forms follow what the services are seen
// to answer (sources in README.md, "Model validation"):
//   IAM, STS      400 ValidationError, "N validation error(s) detected: Value '...' at 'path' failed
//                 to satisfy constraint: Member must ...; ..." (every violation, joined by "; ")
//   EKS           400 InvalidParameterException with the same message form
//   ECR           400 InvalidParameterException, "Invalid parameter at 'path' failed to satisfy
//                 constraint: 'must ...'" (the first violation)
//   EC2           400 MissingParameter "The request must contain the parameter X", else
//                 InvalidParameterValue "Value (v) for parameter x is invalid. ..." (the first);
//                 an unknown instance type is InvalidInstanceType, as DescribeInstanceTypes says
//   Service Quotas 400 ValidationException, the IAM message form (unmodelled, AWS's default)
//   S3            400 InvalidArgument (S3 does not use the "validation error" form)
// A JSON body member of the wrong JSON type is a 400 SerializationException on the JSON services:
// they fail to read the body before any constraint is looked at.

import { AwsError } from './errors.js';
import { renderValue, type Violation } from './model-check.js';

export type Renderer = (violations: Violation[]) => AwsError;

function coralItem(v: Violation): string {
  const value = v.kind === 'missing' ? 'null' : `'${renderValue(v.value)}'`;
  return `Value ${value} at '${v.path}' failed to satisfy constraint: ${v.constraint}`;
}

/** AWS's common validation message, listing every violation. */
export function coralMessage(violations: Violation[]): string {
  const n = violations.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${violations.map(coralItem).join('; ')}`;
}

const memberless = (constraint: string) => constraint.replace(/^Member /, '');

function serialization(violations: Violation[]): AwsError | undefined {
  const v = violations.find((x) => x.jsonType);
  if (!v) return undefined;
  return new AwsError(
    'SerializationException',
    `Cannot read the value at '${v.path}': ${memberless(v.constraint)}, got ${JSON.stringify(v.value)}`,
    400,
  );
}

export function coral(code: string): Renderer {
  return (violations) => serialization(violations) ?? new AwsError(code, coralMessage(violations), 400);
}

export const ecrRenderer: Renderer = (violations) => {
  const json = serialization(violations);
  if (json) return json;
  const v = violations[0]!;
  // ECR words a pattern as "must satisfy regular expression '<pattern>'".
  const constraint = memberless(v.constraint).replace(
    /^must satisfy regular expression pattern: (.*)$/,
    "must satisfy regular expression '$1'",
  );
  return new AwsError(
    'InvalidParameterException',
    `Invalid parameter at '${v.path}' failed to satisfy constraint: '${constraint}'`,
    400,
  );
};

/** EC2 names parameters by their wire key, lowerCamel (`maxResults`, `filter.1.name`). */
const ec2Name = (wire: string) =>
  wire
    .split('.')
    .map((s) => s.charAt(0).toLowerCase() + s.slice(1))
    .join('.');

export const ec2Renderer: Renderer = (violations) => {
  const v = violations[0]!;
  if (v.kind === 'missing') {
    return new AwsError('MissingParameter', `The request must contain the parameter ${v.wire}`, 400);
  }
  if (v.shape === 'InstanceType' && v.constraint.includes('enum value set')) {
    const unknown = violations.filter((x) => x.shape === 'InstanceType').map((x) => renderValue(x.value));
    return new AwsError(
      'InvalidInstanceType',
      `The following supplied instance types do not exist: [${unknown.join(', ')}]`,
      400,
    );
  }
  const expected = v.constraint.includes('enum value set')
    ? `Valid values are: ${v.constraint.slice(v.constraint.indexOf('[') + 1, -1)}`
    : memberless(v.constraint);
  return new AwsError(
    'InvalidParameterValue',
    `Value (${renderValue(v.value)}) for parameter ${ec2Name(v.wire)} is invalid. ${expected}`,
    400,
  );
};

export const s3Renderer: Renderer = (violations) => {
  const v = violations[0]!;
  return new AwsError('InvalidArgument', `${v.wire}: ${memberless(v.constraint)}`, 400);
};
