/** IamPort over @aws-sdk/client-iam (query protocol, global service). */
import type * as Sdk from '@aws-sdk/client-iam';
import { abortable, lazy, type SdkSettings, sdkClientConfig } from '../sdk-config.js';
import type { IamPort, IamRole, Tags } from '../ports.js';
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

  createRole(name: string, trustPolicy: string, description: string, tags: Tags): Promise<IamRole> {
    return this.run('CreateRole', async (sdk, c) => {
      const r = await c.send(
        new sdk.CreateRoleCommand({
          RoleName: name,
          AssumeRolePolicyDocument: trustPolicy,
          Description: description,
          Tags: tagsToList(tags),
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

  async deleteRole(name: string): Promise<void> {
    await this.run('DeleteRole', (sdk, c) => c.send(new sdk.DeleteRoleCommand({ RoleName: name })));
  }
}

function toRole(r: Sdk.Role): IamRole {
  const doc = r.AssumeRolePolicyDocument ?? '';
  return {
    name: r.RoleName ?? '',
    arn: r.Arn ?? '',
    // IAM returns the trust policy URL-encoded.
    trustPolicy: doc.startsWith('%7B') || doc.startsWith('%7b') ? decodeURIComponent(doc) : doc,
    tags: tagsFromList(r.Tags),
  };
}
