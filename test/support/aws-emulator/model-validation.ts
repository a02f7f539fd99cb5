// Every request is checked against AWS's own model of its operation before the emulator carries it
// out, for every service and operation alike: a new operation is validated as soon as it exists.
// Which botocore model and which error form belong to which emulated service is listed here; a
// service without an entry stops the emulator at start rather than going unchecked.

import { AwsError } from './errors.js';
import { InputChecker } from './model-check.js';
import { coral, ec2Renderer, ecrRenderer, type Renderer, s3Renderer } from './model-errors.js';
import { type BotocoreService, loadModel } from './model-source.js';
import { readForm, readJson, readRest, type WireProtocol } from './model-wire.js';
import type { AwsRequest } from './service.js';

interface Binding {
  model: BotocoreService;
  render: Renderer;
}

/** Emulated service (the SigV4 signing name) -> its model and its answer to a violation. */
const BINDINGS: Record<string, Binding> = {
  eks: { model: 'eks', render: coral('InvalidParameterException') },
  ecr: { model: 'ecr', render: ecrRenderer },
  ec2: { model: 'ec2', render: ec2Renderer },
  iam: { model: 'iam', render: coral('ValidationError') },
  sts: { model: 'sts', render: coral('ValidationError') },
  servicequotas: { model: 'service-quotas', render: coral('ValidationException') },
  s3: { model: 's3', render: s3Renderer },
};

/** Fails (at emulator start) for a service with no model binding. */
export function checkBindings(services: Iterable<string>): void {
  const unbound = [...services].filter((s) => !(s in BINDINGS));
  if (unbound.length > 0) {
    throw new Error(`aws-emulator: no AWS model bound to ${unbound.join(', ')} (see model-validation.ts)`);
  }
}

function protocolOf(model: { metadata: { protocol: string } }): WireProtocol {
  const p = model.metadata.protocol;
  if (p === 'rest-json' || p === 'rest-xml' || p === 'json' || p === 'query' || p === 'ec2') return p;
  throw new Error(`aws-emulator: unsupported model protocol ${p}`);
}

/** Throws the service's own error when the request breaks its operation's input shape. */
export function validateInput(service: string, operation: string, req: AwsRequest): void {
  const binding = BINDINGS[service];
  if (!binding) throw new Error(`aws-emulator: no AWS model bound to ${service}`);
  const model = loadModel(binding.model);
  const op = model.operations[operation];
  // An operation the emulator serves but AWS's model lacks is an emulator bug: say so loudly.
  if (!op) throw new Error(`aws-emulator: the ${binding.model} model has no operation ${operation}`);
  if (!op.input) return;
  const input = model.shapes[op.input.shape];
  if (!input) throw new Error(`aws-emulator: ${binding.model} model lacks ${op.input.shape}`);
  const protocol = protocolOf(model);
  let root: unknown;
  try {
    root =
      protocol === 'rest-json' || protocol === 'rest-xml'
        ? readRest(protocol, op, input, model.shapes, req)
        : protocol === 'json'
          ? readJson(req)
          : readForm(req);
  } catch (e) {
    if (e instanceof SyntaxError)
      throw new AwsError('SerializationException', 'Request body is not valid JSON.', 400);
    throw e;
  }
  const violations = new InputChecker(protocol, model.shapes).check(root, input);
  if (violations.length > 0) throw binding.render(violations);
}
