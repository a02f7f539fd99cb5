/**
 * The images a profile lets image automation set: each ECR repository that names the string
 * parameter holding the image its workloads run (`imageParameter`), and, for workloads that take
 * the name and the tag apart (a chart's `image.name` / `image.tag`), the one holding the tag
 * (`tagParameter`). The parameters are where the automation writes, so they must be declared and
 * strings (a number or boolean cannot hold an image reference).
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
  /** The parameter that holds the image reference (only its name with `tag`). */
  parameter: string;
  /** Its value for this cluster: what runs until CI pushes a `main-...` tag. */
  value: string;
  /** The parameter holding the tag, when the workloads take name and tag apart, and its value. */
  tag?: { parameter: string; value: string };
}

export function automatedImages(profile: Profile, params: ParameterSet, registry: string): AutomatedImage[] {
  return profile.ecrRepositories.flatMap((r, i) => {
    if (r.imageParameter === undefined) {
      if (r.tagParameter !== undefined)
        throw userError(
          'GITOPS_BAD_CONFIG',
          `${profile.name} profile.yaml: ecrRepositories[${i}].tagParameter: needs an imageParameter holding the image's name`,
        );
      return [];
    }
    const field = `${profile.name} profile.yaml: ecrRepositories[${i}]`;
    const stringParameter = (key: 'imageParameter' | 'tagParameter', name: string) => {
      const declared = profile.parameters.find((p) => p.name === name);
      if (declared?.type !== 'string') {
        throw userError(
          'GITOPS_BAD_CONFIG',
          `${field}.${key}: "${name}" is not a string parameter of the profile`,
          {
            hint: `name a parameter of type string that the workloads use as their image${key === 'tagParameter' ? "'s tag" : ''}`,
          },
        );
      }
      return { parameter: name, value: String(params.values.get(name) ?? '') };
    };
    const image = stringParameter('imageParameter', r.imageParameter);
    const tag = r.tagParameter === undefined ? undefined : stringParameter('tagParameter', r.tagParameter);
    if (tag?.parameter === image.parameter)
      throw userError(
        'GITOPS_BAD_CONFIG',
        `${field}.tagParameter: "${tag.parameter}" is also the imageParameter; the name and the tag need a parameter each`,
      );
    const repository = substituteText(r.name, { params, file: `${field}.name`, used: new Set() });
    return [{ repository, uri: `${registry}/${repository}`, ...image, ...(tag ? { tag } : {}) }];
  });
}
