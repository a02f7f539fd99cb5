/**
 * What image automation adds to a bootstrap that opted into it (`imageAutomation` in the spec):
 * the reconciler's files for the profile's automated images. A profile with no ECR repository
 * naming an `imageParameter` has nothing to automate: that is the user's error, before any change.
 */
import type { RenderedCluster } from '../../integrations/profiles/render.js';
import type { ImageAutomationFiles, Reconciler } from '../../integrations/reconciler/reconciler.js';
import { userError } from '../../primitives/errors.js';
import type { BootstrapInputs } from './inputs.js';

export function imageAutomationPart(
  inputs: BootstrapInputs,
  rendered: RenderedCluster,
  reconciler: Reconciler,
  sourceUrl: string,
): ImageAutomationFiles | undefined {
  const automation = inputs.spec.imageAutomation;
  if (automation === undefined) return undefined;
  if (rendered.images.length === 0) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `imageAutomation: profile "${inputs.profile.profile.name}" has no ECR repository with an imageParameter to update`,
      { hint: 'drop imageAutomation (--image-automation), or use a profile whose ecrRepositories name one' },
    );
  }
  return reconciler.imageAutomationFiles({
    url: sourceUrl,
    branch: inputs.spec.fleet.branch,
    path: rendered.path,
    interval: automation.interval,
    images: rendered.images,
  });
}
