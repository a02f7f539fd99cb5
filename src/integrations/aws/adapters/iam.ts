/** IamPort over @aws-sdk/client-iam (query protocol, global service). */
import type * as Sdk from '@aws-sdk/client-iam';
import { abortable, lazy, type SdkSettings, sdkClientConfig } from '../sdk-config.js';
import type { IamPort, IamRole, OidcProvider, Tags } from '../ports.js';
import { allPages, call, find, tagsFromList, tagsToList } from './common.js';

type Client = Sdk.IAMClient;

export class IamAdapter implements IamPort {
  private readonly load: () => Promise<{ sdk: typeof Sdk; client: Client }>;

  constructor(settings: SdkSettings) {
    this.load = lazy(async () => {
      const sdk = await import('@aws-sdk/client-iam');
      return { sdk, client: abortable(new sdk.IAMClient(await sdkClientConfig(settings)), settings.signal) };
    });
  }

  private async run<T>(operation: string, fn: (sdk: typeof Sdk, client: Client) => Promise<T>): Promise<T> {
    const { sdk, client } = await this.load();
    return call('IAM', operation, () => fn(sdk, client));
  }

  async getRole(name: string): Promise<IamRole | undefined> {
    const { sdk, client } = await this.load();
    const r = await find('IAM', 'GetRole', () => client.send(new sdk.GetRoleCommand({ RoleName: name })));
    return r?.Role ? toRole(r.Role) : undefined;
  }

  createRole(
    name: string,
    trustPolicy: string,
    description: string,
    tags: Tags,
    path?: string,
  ): Promise<IamRole> {
    return this.run('CreateRole', async (sdk, c) => {
      const r = await c.send(
        new sdk.CreateRoleCommand({
          RoleName: name,
          AssumeRolePolicyDocument: trustPolicy,
          Description: description,
          Tags: tagsToList(tags),
          ...(path === undefined ? {} : { Path: path }),
        }),
      );
      return toRole(r.Role ?? { RoleName: name, Arn: '', Path: '/', RoleId: '', CreateDate: new Date() });
    });
  }

  async tagRole(name: string, tags: Tags): Promise<void> {
    await this.run('TagRole', (sdk, c) =>
      c.send(new sdk.TagRoleCommand({ RoleName: name, Tags: tagsToList(tags) })),
    );
  }

  listAttachedRolePolicies(name: string): Promise<string[]> {
    return this.run('ListAttachedRolePolicies', (sdk, c) =>
      allPages(async (Marker) => {
        const r = await c.send(
          new sdk.ListAttachedRolePoliciesCommand({ RoleName: name, ...(Marker ? { Marker } : {}) }),
        );
        const items = (r.AttachedPolicies ?? []).flatMap((p) => (p.PolicyArn ? [p.PolicyArn] : []));
        return { items, next: r.IsTruncated ? r.Marker : undefined };
      }),
    );
  }

  async attachRolePolicy(name: string, policyArn: string): Promise<void> {
    await this.run('AttachRolePolicy', (sdk, c) =>
      c.send(new sdk.AttachRolePolicyCommand({ RoleName: name, PolicyArn: policyArn })),
    );
  }

  async detachRolePolicy(name: string, policyArn: string): Promise<void> {
    await this.run('DetachRolePolicy', (sdk, c) =>
      c.send(new sdk.DetachRolePolicyCommand({ RoleName: name, PolicyArn: policyArn })),
    );
  }

  listRoles(pathPrefix: string): Promise<string[]> {
    return this.run('ListRoles', (sdk, c) =>
      allPages(async (Marker) => {
        const r = await c.send(
          new sdk.ListRolesCommand({ PathPrefix: pathPrefix, ...(Marker ? { Marker } : {}) }),
        );
        const items = (r.Roles ?? []).flatMap((role) => (role.RoleName ? [role.RoleName] : []));
        return { items, next: r.IsTruncated ? r.Marker : undefined };
      }),
    );
  }

  listRoleTrusts(pathPrefix: string): Promise<Omit<IamRole, 'tags'>[]> {
    return this.run('ListRoles', (sdk, c) =>
      allPages(async (Marker) => {
        const r = await c.send(
          new sdk.ListRolesCommand({ PathPrefix: pathPrefix, ...(Marker ? { Marker } : {}) }),
        );
        const items = (r.Roles ?? []).map((role) => {
          const { tags: _, ...rest } = toRole(role);
          return rest;
        });
        return { items, next: r.IsTruncated ? r.Marker : undefined };
      }),
    );
  }

  async updateAssumeRolePolicy(name: string, trustPolicy: string): Promise<void> {
    await this.run('UpdateAssumeRolePolicy', (sdk, c) =>
      c.send(new sdk.UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: trustPolicy })),
    );
  }

  listRolePolicies(name: string): Promise<string[]> {
    return this.run('ListRolePolicies', (sdk, c) =>
      allPages(async (Marker) => {
        const r = await c.send(
          new sdk.ListRolePoliciesCommand({ RoleName: name, ...(Marker ? { Marker } : {}) }),
        );
        return { items: r.PolicyNames ?? [], next: r.IsTruncated ? r.Marker : undefined };
      }),
    );
  }

  async getRolePolicy(name: string, policyName: string): Promise<string | undefined> {
    const { sdk, client } = await this.load();
    const r = await find('IAM', 'GetRolePolicy', () =>
      client.send(new sdk.GetRolePolicyCommand({ RoleName: name, PolicyName: policyName })),
    );
    return r?.PolicyDocument === undefined ? undefined : decodeDocument(r.PolicyDocument);
  }

  async putRolePolicy(name: string, policyName: string, document: string): Promise<void> {
    await this.run('PutRolePolicy', (sdk, c) =>
      c.send(
        new sdk.PutRolePolicyCommand({ RoleName: name, PolicyName: policyName, PolicyDocument: document }),
      ),
    );
  }

  async deleteRolePolicy(name: string, policyName: string): Promise<void> {
    await this.run('DeleteRolePolicy', (sdk, c) =>
      c.send(new sdk.DeleteRolePolicyCommand({ RoleName: name, PolicyName: policyName })),
    );
  }

  async deleteRole(name: string): Promise<void> {
    await this.run('DeleteRole', (sdk, c) => c.send(new sdk.DeleteRoleCommand({ RoleName: name })));
  }

  listOpenIdConnectProviders(): Promise<string[]> {
    return this.run('ListOpenIDConnectProviders', async (sdk, c) => {
      const r = await c.send(new sdk.ListOpenIDConnectProvidersCommand({}));
      return (r.OpenIDConnectProviderList ?? []).flatMap((p) => (p.Arn ? [p.Arn] : []));
    });
  }

  async getOpenIdConnectProvider(arn: string): Promise<OidcProvider | undefined> {
    const { sdk, client } = await this.load();
    const r = await find('IAM', 'GetOpenIDConnectProvider', () =>
      client.send(new sdk.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })),
    );
    if (!r) return undefined;
    return { arn, url: r.Url ?? '', clientIds: r.ClientIDList ?? [], tags: tagsFromList(r.Tags) };
  }

  createOpenIdConnectProvider(url: string, clientIds: readonly string[], tags: Tags): Promise<string> {
    return this.run('CreateOpenIDConnectProvider', async (sdk, c) => {
      const r = await c.send(
        new sdk.CreateOpenIDConnectProviderCommand({
          Url: url,
          ClientIDList: [...clientIds],
          Tags: tagsToList(tags),
        }),
      );
      return r.OpenIDConnectProviderArn ?? '';
    });
  }

  async deleteOpenIdConnectProvider(arn: string): Promise<void> {
    await this.run('DeleteOpenIDConnectProvider', (sdk, c) =>
      c.send(new sdk.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })),
    );
  }
}

function toRole(r: Sdk.Role): IamRole {
  return {
    name: r.RoleName ?? '',
    arn: r.Arn ?? '',
    trustPolicy: decodeDocument(r.AssumeRolePolicyDocument ?? ''),
    tags: tagsFromList(r.Tags),
  };
}

/** IAM returns policy documents (trust and inline) URL-encoded. */
function decodeDocument(doc: string): string {
  return doc.startsWith('%7B') || doc.startsWith('%7b') ? decodeURIComponent(doc) : doc;
}
