/**
 * The two names every command takes, as plain patterns: the schema builds its zod checks (with
 * their messages) from them, and `gitops token` tests them directly, since kubectl runs it before
 * every command and loading zod for two regular expressions would cost more than signing does.
 */

/** EKS cluster names: 1-100 characters, letters, digits, "-" and "_", starting with a letter or digit. */
export const CLUSTER_NAME_PATTERN = /^[0-9A-Za-z][A-Za-z0-9\-_]*$/;
export const CLUSTER_NAME_MAX_LENGTH = 100;

/** AWS region names: us-west-2, eu-central-1, ap-southeast-4, us-gov-west-1, cn-north-1. */
export const REGION_NAME_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

export function isClusterName(value: string): boolean {
  return value.length <= CLUSTER_NAME_MAX_LENGTH && CLUSTER_NAME_PATTERN.test(value);
}

export function isRegionName(value: string): boolean {
  return REGION_NAME_PATTERN.test(value);
}
