// IAM OpenID Connect providers (e.g. GitHub Actions' token.actions.githubusercontent.com): create,
// get, list, delete and their tags. A role's trust policy may name one as a Federated principal
// only while it exists (iam-trust.ts).

import { createHash } from 'node:crypto';
import { AwsError } from './errors.js';
import {
  type IamOp,
  invalidInput,
  limitExceeded,
  mergeTags,
  noSuchEntity,
  readTags,
  validation,
} from './iam-common.js';
import type { OidcProvider } from './iam-store.js';
import { paginate } from './paging.js';
import type { QueryParams } from './query.js';
import { isoSeconds, type XmlObject } from './xml.js';
import type { EmulatorContext } from './context.js';

/** IAM's default quotas: providers per account, client ids and thumbprints per provider. */
const MAX_PROVIDERS = 100;
const MAX_CLIENT_IDS = 100;
const MAX_THUMBPRINTS = 5;

function providerNamed(ctx: EmulatorContext, p: QueryParams): OidcProvider {
  const arn = p.required('OpenIDConnectProviderArn');
  if (!/^arn:aws:iam::\d{12}:oidc-provider\/.+$/.test(arn)) throw invalidInput(`ARN ${arn} is not valid.`);
  const provider = ctx.iam.oidcProviders.get(arn);
  if (!provider) throw noSuchEntity(`OpenIDConnect Provider not found for arn ${arn}`);
  return provider;
}

/** The issuer as IAM keeps it: https:// dropped; only https, no query or fragment. */
function issuerOf(url: string): string {
  if (url.length > 255)
    throw validation('The URL of an OpenID Connect provider can be at most 255 characters.');
  const m = /^https:\/\/([^?#\s]+)$/i.exec(url);
  if (!m) throw invalidInput(`Invalid Url ${url}: it must begin with https:// and have no query string.`);
  return m[1]!.replace(/\/+$/, '');
}

function readThumbprints(p: QueryParams, url: string): string[] {
  const given = p.list('ThumbprintList.member');
  if (given.length > MAX_THUMBPRINTS) {
    throw limitExceeded(`Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: ${MAX_THUMBPRINTS}`);
  }
  for (const t of given) {
    if (!/^[0-9a-fA-F]{40}$/.test(t)) {
      throw validation(
        `1 validation error detected: Value '${t}' at 'thumbprintList' failed to satisfy constraint: Member must have length 40 (a hex SHA-1)`,
      );
    }
  }
  // Without a list IAM fetches the issuer's certificate chain and keeps the top intermediate CA's
  // thumbprint; the emulator cannot reach the issuer and stands in a value derived from the URL.
  return given.length > 0 ? given : [createHash('sha1').update(url).digest('hex')];
}

function providerView(o: OidcProvider): XmlObject {
  return {
    Url: o.url,
    ClientIDList: [...o.clientIds],
    ThumbprintList: [...o.thumbprints],
    CreateDate: isoSeconds(o.createdAt),
    Tags: o.tags.length > 0 ? o.tags.map((t) => ({ ...t })) : undefined,
  };
}

export const oidcProviderOps: Record<string, IamOp> = {
  CreateOpenIDConnectProvider(ctx, p) {
    const url = p.required('Url');
    const issuer = issuerOf(url);
    const clientIds = p.list('ClientIDList.member');
    if (clientIds.length > MAX_CLIENT_IDS) {
      throw limitExceeded(`Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: ${MAX_CLIENT_IDS}`);
    }
    for (const id of clientIds) {
      if (id.length < 1 || id.length > 255)
        throw validation(`Client id ${id} must be 1-255 characters long.`);
    }
    const thumbprints = readThumbprints(p, url);
    const tags = mergeTags([], readTags(p), 'An OpenID Connect provider');
    const arn = `arn:aws:iam::${ctx.accountId}:oidc-provider/${issuer}`;
    if (ctx.iam.oidcProviders.has(arn)) {
      throw new AwsError('EntityAlreadyExists', `Provider with url ${url} already exists.`, 409);
    }
    if (ctx.iam.oidcProviders.size >= MAX_PROVIDERS) {
      throw limitExceeded(`Cannot exceed quota for OpenIdConnectProvidersPerAccount: ${MAX_PROVIDERS}`);
    }
    ctx.iam.oidcProviders.set(arn, {
      arn,
      url: issuer,
      clientIds: [...new Set(clientIds)],
      thumbprints,
      createdAt: ctx.clock.now(),
      tags,
    });
    return {
      OpenIDConnectProviderArn: arn,
      Tags: tags.length > 0 ? tags.map((t) => ({ ...t })) : undefined,
    };
  },

  GetOpenIDConnectProvider(ctx, p) {
    return providerView(providerNamed(ctx, p));
  },

  ListOpenIDConnectProviders(ctx) {
    return { OpenIDConnectProviderList: [...ctx.iam.oidcProviders.keys()].sort().map((Arn) => ({ Arn })) };
  },

  DeleteOpenIDConnectProvider(ctx, p) {
    const arn = p.required('OpenIDConnectProviderArn');
    if (!/^arn:aws:iam::\d{12}:oidc-provider\/.+$/.test(arn)) throw invalidInput(`ARN ${arn} is not valid.`);
    // Documented as idempotent: deleting a provider that does not exist succeeds. Roles that
    // name it keep their trust policy (and can no longer be assumed through it).
    ctx.iam.oidcProviders.delete(arn);
    return undefined;
  },

  TagOpenIDConnectProvider(ctx, p) {
    const provider = providerNamed(ctx, p);
    provider.tags = mergeTags(provider.tags, readTags(p), 'An OpenID Connect provider');
    return undefined;
  },

  UntagOpenIDConnectProvider(ctx, p) {
    const provider = providerNamed(ctx, p);
    const keys = new Set(p.list('TagKeys.member'));
    provider.tags = provider.tags.filter((t) => !keys.has(t.Key));
    return undefined;
  },

  ListOpenIDConnectProviderTags(ctx, p) {
    const provider = providerNamed(ctx, p);
    const page = paginate(
      provider.tags,
      { token: p.str('Marker'), max: p.int('MaxItems'), scope: `oidc-tags:${provider.arn}`, defaultMax: 100 },
      invalidInput,
    );
    return {
      Tags: page.items.map((t) => ({ ...t })),
      IsTruncated: page.next !== undefined,
      Marker: page.next,
    };
  },
};
