/**
 * The account's IAM OpenID Connect provider for GitHub Actions. There is one per account and URL
 * (IAM refuses a second with EntityAlreadyExists), so every cluster's CI role shares it: it is found
 * by its URL, created with gitops's managed-by tag when missing, and deleted only when gitops made
 * it and no role of the account trusts it any more. One made by someone else is used, never changed.
 */
import { userError } from '../../primitives/errors.js';
import { GITHUB_OIDC_AUDIENCE, GITHUB_OIDC_HOST, GITHUB_OIDC_URL } from '../../spec/ci.js';
import type { Changes } from './changes.js';
import type { AwsClients } from './clients.js';
import { hasAwsCode } from './errors.js';
import type { OidcProvider } from './ports.js';
import { MANAGED_BY, MANAGED_BY_TAG } from './tags.js';

/** Shared by every cluster, so tagged as gitops's without any one cluster's name. */
export const PROVIDER_TAGS = { [MANAGED_BY_TAG]: MANAGED_BY };

export function isGithubProviderArn(arn: string): boolean {
  return arn.endsWith(`:oidc-provider/${GITHUB_OIDC_HOST}`);
}

/** The provider for GitHub's issuer, found by its URL (the end of its ARN), or undefined. */
export async function findGithubProvider(aws: AwsClients): Promise<OidcProvider | undefined> {
  const arn = (await aws.iam.listOpenIdConnectProviders()).find(isGithubProviderArn);
  return arn === undefined ? undefined : aws.iam.getOpenIdConnectProvider(arn);
}

export function isOurProvider(p: OidcProvider): boolean {
  return p.tags[MANAGED_BY_TAG] === MANAGED_BY;
}

/**
 * Makes sure the provider exists and admits the audience the official action asks for. Returns
 * its ARN (the one it would get, in a dry run).
 */
export async function ensureGithubProvider(
  aws: AwsClients,
  changes: Changes,
  expectedArn: string,
): Promise<string> {
  const found = await findGithubProvider(aws);
  if (found) {
    if (!found.clientIds.includes(GITHUB_OIDC_AUDIENCE)) {
      throw userError(
        'GITOPS_CONFLICT',
        `the account's OpenID Connect provider for ${GITHUB_OIDC_HOST} does not list the audience ${GITHUB_OIDC_AUDIENCE}`,
        {
          hint: `it was made outside gitops, which does not change it; add the audience: aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${found.arn} --client-id ${GITHUB_OIDC_AUDIENCE}`,
        },
      );
    }
    return found.arn;
  }
  const made = await changes.make(`create the OpenID Connect provider for ${GITHUB_OIDC_HOST}`, async () => {
    try {
      return await aws.iam.createOpenIdConnectProvider(
        GITHUB_OIDC_URL,
        [GITHUB_OIDC_AUDIENCE],
        PROVIDER_TAGS,
      );
    } catch (e) {
      // Another cluster's run made it first: it is the same provider.
      if (!hasAwsCode(e, 'EntityAlreadyExists')) throw e;
      return (await findGithubProvider(aws))?.arn ?? expectedArn;
    }
  });
  return made ?? expectedArn;
}

/**
 * Deletes the provider when gitops made it and no role of the account other than those being
 * removed trusts it. Any role counts, not only gitops's: deleting a provider a team's own role
 * trusts would lock that role out.
 */
export async function removeGithubProviderIfUnused(
  aws: AwsClients,
  changes: Changes,
  leaving: readonly string[],
): Promise<void> {
  const provider = await findGithubProvider(aws);
  if (!provider || !isOurProvider(provider)) return;
  const users = await rolesTrusting(aws, provider.arn, leaving);
  if (users.length > 0) return;
  await changes.make(`delete the OpenID Connect provider for ${GITHUB_OIDC_HOST} (no role trusts it)`, () =>
    aws.iam.deleteOpenIdConnectProvider(provider.arn),
  );
}

/** Names of the roles whose trust policy names the provider, but those listed in `except`. */
export async function rolesTrusting(aws: AwsClients, providerArn: string, except: readonly string[] = []) {
  const roles = await aws.iam.listRoleTrusts('/');
  return roles
    .filter((r) => !except.includes(r.name) && r.trustPolicy.includes(providerArn))
    .map((r) => r.name);
}
