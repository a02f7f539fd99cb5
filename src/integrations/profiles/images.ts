/**
 * The images a profile lets image automation set: each ECR repository that names the string
 * parameter holding the image its workloads run (`imageParameter`). The parameter is where the
 * automation writes, so it must be declared and a string (a number or boolean cannot hold an
 * image reference).
 */
import { userError } from '../../primitives/errors.js';
import type { Profile } from './model.js';
import type { ParameterSet } from './parameters.js';
import { substituteText } from './substitute.js';

export interface AutomatedImage {
  /** The ECR repository's name with this cluster's values (`research/api`). */
  repository: string;
  /** `<registry>/<repository>`: what the reflector scans. */
  uri: string;
  /** The parameter that holds the image reference. */
  parameter: string;
  /** Its value for this cluster: what runs until CI pushes a `main-...` tag. */
  value: string;
}

export function automatedImages(profile: Profile, params: ParameterSet, registry: string): AutomatedImage[] {
  return profile.ecrRepositories.flatMap((r, i) => {
    if (r.imageParameter === undefined) return [];
    const field = `${profile.name} profile.yaml: ecrRepositories[${i}].imageParameter`;
    const declared = profile.parameters.find((p) => p.name === r.imageParameter);
    if (declared?.type !== 'string') {
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${field}: "${r.imageParameter}" is not a string parameter of the profile`,
        { hint: 'name a parameter of type string that the workloads use as their image' },
      );
    }
    const repository = substituteText(r.name, { params, file: field, used: new Set() });
    return [
      {
        repository,
        uri: `${registry}/${repository}`,
        parameter: r.imageParameter,
        value: String(params.values.get(r.imageParameter) ?? ''),
      },
    ];
  });
}
