/**
 * Flux's own schemas for its kinds: the openAPIV3Schema of each CRD in Flux v2.9.3's components,
 * checked with ajv. Used where the apiserver cannot check an object (it does not serve the kind)
 * and no JSON schema package covers the version (none that supports Node 20 has
 * helm.toolkit.fluxcd.io/v2). Undefined when ../shared/fixtures/flux-v2.9.3 is not here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { FLUX_293_FIXTURE_DIR } from '../kube/fixtures.js';

export const FLUX_293_COMPONENTS = join(FLUX_293_FIXTURE_DIR, 'gotk-components.yaml');

type Doc = {
  kind?: string;
  spec?: {
    group: string;
    names: { kind: string };
    versions: { name: string; schema?: { openAPIV3Schema?: object } }[];
  };
};

let schemas: Map<string, object> | undefined;

function load(): Map<string, object> {
  if (schemas) return schemas;
  schemas = new Map();
  for (const d of parseAllDocuments(readFileSync(FLUX_293_COMPONENTS, 'utf8'))) {
    const crd = d.toJS() as Doc | null;
    if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
    for (const v of crd.spec.versions) {
      const s = v.schema?.openAPIV3Schema;
      if (s) schemas.set(`${crd.spec.group}/${v.name} ${crd.spec.names.kind}`, s);
    }
  }
  return schemas;
}

/** Errors of `o` against Flux 2.9.3's schema ([] when valid); undefined when there is no schema. */
export function fluxSchemaErrors(o: { apiVersion: string; kind: string }): string[] | undefined {
  if (!existsSync(FLUX_293_COMPONENTS)) return undefined;
  const schema = load().get(`${o.apiVersion} ${o.kind}`);
  if (!schema) return undefined;
  // Kubernetes' extensions (x-kubernetes-*) are not JSON Schema keywords: strict mode off.
  const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  if (validate(o)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}
