// How each protocol carries an operation's input on the wire, read back into a tree the checker
// walks with the model: JSON bodies as parsed, query forms (IAM, STS, EC2) as a tree of their
// dotted keys, rest protocols' URI labels, query string and headers by their locationName.
// Values that arrive as text (forms, URIs, headers) stay `Text` until the checker knows their
// type from the model.

import type { AwsRequest } from './service.js';
import type { Operation, Shape, ShapeRef } from './model-types.js';

export type WireProtocol = 'rest-json' | 'rest-xml' | 'json' | 'query' | 'ec2';

/** A scalar that arrived as text and still has to be read as its modelled type. */
export class Text {
  constructor(readonly raw: string) {}
}

/** One level of a query form: `Tags.member.1.Key=x` becomes Tags -> member -> 1 -> Key = x. */
export class FormNode {
  value: string | undefined;
  readonly children = new Map<string, FormNode>();

  static parse(flat: Iterable<[string, string]>): FormNode {
    const root = new FormNode();
    for (const [key, value] of flat) {
      let node = root;
      for (const seg of key.split('.')) {
        let next = node.children.get(seg);
        if (!next) {
          next = new FormNode();
          node.children.set(seg, next);
        }
        node = next;
      }
      node.value = value;
    }
    return root;
  }

  /** Children named 1, 2, ... in index order (list elements and map entries). */
  indexed(): FormNode[] {
    return [...this.children]
      .filter(([k]) => /^[1-9]\d*$/.test(k))
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, v]) => v);
  }
}

/** The input of a rest operation, top-level members already found by location. */
export class RestInput {
  constructor(
    readonly members: Map<string, unknown>,
    /** Body members this protocol's body was not read for (rest-xml bodies): not checked. */
    readonly unread: Set<string>,
  ) {}
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The key a member travels under in a query form. */
export function formName(protocol: WireProtocol, name: string, ref: ShapeRef, shape: Shape): string {
  if (protocol === 'ec2') {
    if (ref.queryName !== undefined) return ref.queryName;
    return ref.locationName !== undefined ? cap(ref.locationName) : name;
  }
  // A flattened list whose element has a name travels under that name (botocore does the same).
  if (shape.type === 'list' && (shape.flattened || ref.flattened) && shape.member?.locationName) {
    return shape.member.locationName;
  }
  return ref.locationName ?? name;
}

/** The key a member travels under in a JSON body. */
export function jsonName(name: string, ref: ShapeRef): string {
  return ref.locationName ?? name;
}

function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8').trim();
  return text === '' ? {} : (JSON.parse(text) as unknown);
}

/** Matches the request path against the model's URI template; labels by name, decoded. */
export function uriLabels(requestUri: string, rawPath: string): Map<string, string> | undefined {
  const template = (requestUri.split('?')[0] ?? '').split('/').filter((s) => s !== '');
  const actual = rawPath.split('/').filter((s) => s !== '');
  const labels = new Map<string, string>();
  for (let i = 0; i < template.length; i++) {
    const t = template[i]!;
    const label = /^\{([^}+]+)(\+?)\}$/.exec(t);
    if (label) {
      // A greedy label ({Key+}) takes the rest of the path, slashes included.
      const raw = label[2] === '+' ? actual.slice(i).join('/') : actual[i];
      if (raw === undefined || raw === '') return undefined;
      labels.set(label[1]!, decodeURIComponent(raw));
      if (label[2] === '+') return labels;
    } else if (t !== actual[i]) return undefined;
  }
  return template.length === actual.length ? labels : undefined;
}

/** S3's virtual-hosted style: the bucket is the first label of the Host, not a path segment. */
function virtualHosted(op: Operation, req: AwsRequest): Map<string, string> | undefined {
  const uri = op.http?.requestUri ?? '/';
  if (!uri.startsWith('/{Bucket}')) return undefined;
  const host = String(req.headers.host ?? '');
  const bucket = host.split('.')[0] ?? '';
  if (bucket === '' || /^\d+$/.test(bucket) || !host.includes('.')) return undefined;
  const labels = uriLabels(uri.slice('/{Bucket}'.length) || '/', req.rawPath);
  labels?.set('Bucket', bucket);
  return labels;
}

function headerValue(req: AwsRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * The top-level members of a rest-json / rest-xml input: from the URI, the query string, the
 * headers and the body (JSON only; the body's members are left raw for the JSON accessors).
 */
export function readRest(
  protocol: 'rest-json' | 'rest-xml',
  op: Operation,
  input: Shape,
  shapes: Record<string, Shape>,
  req: AwsRequest,
): RestInput {
  const members = new Map<string, unknown>();
  const unread = new Set<string>();
  const labels = uriLabels(op.http?.requestUri ?? '/', req.rawPath) ?? virtualHosted(op, req);
  if (!labels) {
    throw new Error(
      `${op.name}: ${req.method} ${req.rawPath} does not match the model's ${op.http?.requestUri}`,
    );
  }
  const claimed = new Set<string>();
  const queryMap: string[] = [];
  let body: unknown;
  const bodyObject = (): Record<string, unknown> => {
    body ??= protocol === 'rest-json' ? parseJsonBody(req.body) : {};
    return typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : {};
  };
  for (const [name, ref] of Object.entries(input.members ?? {})) {
    const shape = shapes[ref.shape]!;
    const wire = ref.locationName ?? name;
    switch (ref.location) {
      case 'uri': {
        const v = labels.get(wire);
        if (v !== undefined) members.set(name, new Text(v));
        break;
      }
      case 'querystring':
        if (shape.type === 'map') {
          queryMap.push(name);
        } else if (req.query.has(wire)) {
          claimed.add(wire);
          const all = req.query.getAll(wire).map((v) => new Text(v));
          members.set(name, shape.type === 'list' ? all : all[0]);
        }
        break;
      case 'header': {
        const v = headerValue(req, wire);
        if (v !== undefined)
          members.set(
            name,
            shape.type === 'list' ? v.split(',').map((x) => new Text(x.trim())) : new Text(v),
          );
        break;
      }
      case 'headers': {
        const prefix = wire.toLowerCase();
        const found: Record<string, Text> = {};
        for (const [h, v] of Object.entries(req.headers)) {
          if (h.startsWith(prefix) && typeof v === 'string') found[h.slice(prefix.length)] = new Text(v);
        }
        if (Object.keys(found).length > 0) members.set(name, found);
        break;
      }
      case 'statusCode':
        break;
      default:
        if (protocol === 'rest-xml') {
          unread.add(name);
        } else if (input.payload === name) {
          // The member is the whole body; only a JSON structure can be checked.
          if (shape.type === 'structure' && req.body.length > 0) members.set(name, parseJsonBody(req.body));
          else unread.add(name);
        } else {
          const v = bodyObject()[jsonName(name, ref)];
          if (v !== undefined && v !== null) members.set(name, v);
        }
    }
  }
  // A querystring map member takes every parameter no other member claimed.
  for (const name of queryMap) {
    const rest: Record<string, Text> = {};
    for (const [k, v] of req.query) if (!claimed.has(k)) rest[k] = new Text(v);
    if (Object.keys(rest).length > 0) members.set(name, rest);
  }
  return new RestInput(members, unread);
}

/** The whole input of a json-1.0/1.1 operation: the JSON body. */
export function readJson(req: AwsRequest): unknown {
  return parseJsonBody(req.body);
}

/** The whole input of a query / ec2 operation: the form (body, or query string of a GET). */
export function readForm(req: AwsRequest): FormNode {
  const source = req.method === 'GET' ? req.query : new URLSearchParams(req.body.toString('utf8'));
  return FormNode.parse(source);
}
