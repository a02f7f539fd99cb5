// Checks an operation's input, as read off the wire, against its input shape in AWS's model:
// required members, types, enums, lengths and counts, numeric ranges, patterns and unions. The
// result is a list of violations in AWS's own vocabulary ("Member must not be null", ...); each
// service's error shape is chosen elsewhere (model-errors.ts).

import { patternMatcher } from './model-pattern.js';
import type { Shape, ShapeRef } from './model-types.js';
import { FormNode, formName, jsonName, RestInput, Text, type WireProtocol } from './model-wire.js';

export interface Violation {
  /** AWS's path to the member: struct members in lowerCamel, list elements as `.N.member`. */
  path: string;
  /** The same place as the caller named it on the wire (form keys such as `Tag.1.Value`). */
  wire: string;
  /** The offending value as received; undefined for a missing member. */
  value: unknown;
  constraint: string;
  kind: 'missing' | 'type' | 'constraint';
  /** The model's shape name of the member (some services answer by shape, e.g. EC2 InstanceType). */
  shape: string;
  /** A JSON value of the wrong JSON type: the JSON services refuse to read such a body at all. */
  jsonType?: boolean;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);
const INT32 = 2 ** 31;
const NUMERIC = new Set(['integer', 'long', 'short', 'byte', 'float', 'double', 'bigdecimal', 'biginteger']);
const TYPE_WORDS: Record<string, string> = {
  integer: 'an integer',
  long: 'a long integer',
  short: 'an integer',
  byte: 'an integer',
  biginteger: 'an integer',
  float: 'a number',
  double: 'a number',
  bigdecimal: 'a number',
  boolean: 'a boolean (true or false)',
  timestamp: 'a timestamp',
  blob: 'base64-encoded data',
  string: 'a string',
  structure: 'a structure',
  list: 'a list',
  map: 'a map',
};

interface Place {
  path: string;
  wire: string;
}

const join = (base: string, seg: string) => (base === '' ? seg : `${base}.${seg}`);

/** Java's rendering of a value in AWS's messages: lists as [a, b], maps as {k=v}. */
export function renderValue(v: unknown): string {
  if (v instanceof Text) return v.raw;
  if (v instanceof FormNode) {
    if (v.children.size === 0) return v.value ?? '';
    const indexed = v.indexed();
    // A form list's elements sit under numbered keys (or under `member`); a structure's under names.
    if (indexed.length > 0) return renderValue(indexed);
    const only = v.children.size === 1 ? [...v.children.values()][0]! : undefined;
    if (only && only.indexed().length > 0) return renderValue(only.indexed());
    return renderValue(Object.fromEntries(v.children));
  }
  if (Array.isArray(v)) return `[${v.map(renderValue).join(', ')}]`;
  if (typeof v === 'object' && v !== null) {
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}=${renderValue(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

/** Every constraint a scalar shape carries, as AWS lists them inside "Map value must ...". */
function constraintsOf(shape: Shape): string[] {
  const out: string[] = [];
  const noun = NUMERIC.has(shape.type) ? 'value' : 'length';
  if (shape.max !== undefined) out.push(`Member must have ${noun} less than or equal to ${shape.max}`);
  if (shape.min !== undefined) out.push(`Member must have ${noun} greater than or equal to ${shape.min}`);
  if (shape.pattern !== undefined)
    out.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
  if (shape.enum !== undefined) out.push(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
  return out;
}

export class InputChecker {
  readonly violations: Violation[] = [];

  constructor(
    private readonly protocol: WireProtocol,
    private readonly shapes: Record<string, Shape>,
  ) {}

  private shape(ref: ShapeRef): Shape {
    const s = this.shapes[ref.shape];
    if (!s) throw new Error(`model has no shape ${ref.shape}`);
    return s;
  }

  private add(
    at: Place,
    value: unknown,
    constraint: string,
    kind: Violation['kind'],
    jsonType = false,
  ): void {
    this.violations.push({
      path: at.path,
      wire: at.wire,
      value,
      constraint,
      kind,
      shape: this.current,
      ...(jsonType ? { jsonType } : {}),
    });
  }

  /** Shape name of the member being checked, for add(). */
  private current = '';

  /** Checks the input root: a RestInput, a parsed JSON body or a form tree. */
  check(input: unknown, shape: Shape): Violation[] {
    this.structure(input, shape, { path: '', wire: '' });
    return this.violations;
  }

  private member(node: unknown, name: string, ref: ShapeRef, shape: Shape): { value: unknown; wire: string } {
    if (node instanceof RestInput) return { value: node.members.get(name), wire: ref.locationName ?? name };
    if (node instanceof FormNode) {
      const wire = formName(this.protocol, name, ref, shape);
      return { value: node.children.get(wire), wire };
    }
    const wire = jsonName(name, ref);
    const obj = node as Record<string, unknown>;
    const v = obj[wire];
    return { value: v === null ? undefined : v, wire };
  }

  private structure(node: unknown, shape: Shape, at: Place): void {
    if (!(node instanceof RestInput) && !(node instanceof FormNode)) {
      if (typeof node !== 'object' || node === null || Array.isArray(node)) {
        this.add(at, node, `Member must be ${TYPE_WORDS.structure}`, 'type', true);
        return;
      }
    }
    const required = new Set(shape.required ?? []);
    let present = 0;
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      if (node instanceof RestInput && node.unread.has(name)) continue;
      const memberShape = this.shape(ref);
      const { value, wire } = this.member(node, name, ref, memberShape);
      const place = { path: join(at.path, lowerFirst(name)), wire: join(at.wire, wire) };
      if (value === undefined) {
        this.current = ref.shape;
        if (required.has(name)) this.add(place, undefined, 'Member must not be null', 'missing');
        continue;
      }
      present++;
      this.current = ref.shape;
      this.value(value, memberShape, place);
    }
    if (shape.union && present > 1) {
      this.add(at, node, 'Member must have exactly one member set', 'constraint');
    }
  }

  private value(v: unknown, shape: Shape, at: Place): void {
    if (shape.document) return;
    switch (shape.type) {
      case 'structure':
        this.structure(v, shape, at);
        return;
      case 'list':
        this.list(v, shape, at);
        return;
      case 'map':
        this.map(v, shape, at);
        return;
      default:
        this.scalar(v, shape, at);
    }
  }

  private listElements(
    v: unknown,
    shape: Shape,
    at: Place,
  ): { items: unknown[]; wireOf: (i: number) => string } | undefined {
    if (v instanceof FormNode) {
      if (this.protocol === 'ec2' || shape.flattened) {
        return { items: v.indexed(), wireOf: (i) => join(at.wire, String(i)) };
      }
      const memberName = shape.member?.locationName ?? 'member';
      const holder = v.children.get(memberName);
      return { items: holder?.indexed() ?? [], wireOf: (i) => join(at.wire, `${memberName}.${i}`) };
    }
    if (!Array.isArray(v)) {
      this.add(at, v, `Member must be ${TYPE_WORDS.list}`, 'type', !(v instanceof Text));
      return undefined;
    }
    return { items: v, wireOf: (i) => `${at.wire}[${i - 1}]` };
  }

  private list(v: unknown, shape: Shape, at: Place): void {
    const found = this.listElements(v, shape, at);
    if (!found) return;
    const { items } = found;
    if (shape.max !== undefined && items.length > shape.max) {
      this.add(at, items, `Member must have length less than or equal to ${shape.max}`, 'constraint');
    }
    if (shape.min !== undefined && items.length < shape.min) {
      this.add(at, items, `Member must have length greater than or equal to ${shape.min}`, 'constraint');
    }
    const element = this.shape(shape.member!);
    const listShape = this.current;
    items.forEach((item, k) => {
      this.current = shape.member!.shape;
      const place = { path: `${at.path}.${k + 1}.member`, wire: found.wireOf(k + 1) };
      if (item === null || item === undefined)
        this.add(place, undefined, 'Member must not be null', 'missing');
      else this.value(item, element, place);
    });
    this.current = listShape;
  }

  private mapEntries(v: unknown, shape: Shape, at: Place): [unknown, unknown][] | undefined {
    if (v instanceof FormNode) {
      const holder = shape.flattened ? v : v.children.get('entry');
      const k = shape.key?.locationName ?? 'key';
      const val = shape.value?.locationName ?? 'value';
      return (holder?.indexed() ?? []).map((e) => [e.children.get(k), e.children.get(val)]);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Text) {
      this.add(at, v, `Member must be ${TYPE_WORDS.map}`, 'type', !(v instanceof Text));
      return undefined;
    }
    return Object.entries(v);
  }

  private map(v: unknown, shape: Shape, at: Place): void {
    const entries = this.mapEntries(v, shape, at);
    if (!entries) return;
    if (shape.max !== undefined && entries.length > shape.max) {
      this.add(at, v, `Member must have length less than or equal to ${shape.max}`, 'constraint');
    }
    if (shape.min !== undefined && entries.length < shape.min) {
      this.add(at, v, `Member must have length greater than or equal to ${shape.min}`, 'constraint');
    }
    const keyShape = this.shape(shape.key!);
    const valueShape = this.shape(shape.value!);
    // AWS reports a bad key or value once for the whole map, listing the shape's constraints.
    const keys = entries.map(([k]) => (k instanceof FormNode ? new Text(k.value ?? '') : k));
    if (keys.some((k) => this.scalarFailures(k, keyShape).length > 0)) {
      this.add(
        at,
        v,
        `Map keys must satisfy constraint: [${constraintsOf(keyShape).join(', ')}]`,
        'constraint',
      );
    }
    const scalarValues = !['structure', 'list', 'map'].includes(valueShape.type);
    if (scalarValues) {
      const failing = entries.some(
        ([, x]) => x === undefined || this.scalarFailures(x, valueShape).length > 0,
      );
      if (failing) {
        this.add(
          at,
          v,
          `Map value must satisfy constraint: [${constraintsOf(valueShape).join(', ')}]`,
          'constraint',
        );
      }
      return;
    }
    for (const [k, x] of entries) {
      this.value(x, valueShape, {
        path: `${at.path}.${renderValue(k)}`,
        wire: `${at.wire}.${renderValue(k)}`,
      });
    }
  }

  /** Reads a scalar as its modelled type; a string for a type violation, else the value. */
  private read(v: unknown, shape: Shape): { ok: true; value: unknown } | { ok: false; json: boolean } {
    const text = v instanceof FormNode ? (v.value ?? '') : v instanceof Text ? v.raw : undefined;
    if (text !== undefined) return readText(text, shape);
    return readJsonScalar(v, shape);
  }

  private scalarFailures(v: unknown, shape: Shape): string[] {
    const read = this.read(v, shape);
    if (!read.ok) return [`Member must be ${TYPE_WORDS[shape.type] ?? shape.type}`];
    const value = read.value;
    const out: string[] = [];
    if (typeof value === 'number') {
      if (shape.max !== undefined && value > shape.max)
        out.push(`Member must have value less than or equal to ${shape.max}`);
      if (shape.min !== undefined && value < shape.min)
        out.push(`Member must have value greater than or equal to ${shape.min}`);
      return out;
    }
    if (typeof value !== 'string') return out;
    const length = shape.type === 'blob' ? Buffer.from(value, 'base64').length : value.length;
    if (shape.max !== undefined && length > shape.max)
      out.push(`Member must have length less than or equal to ${shape.max}`);
    if (shape.min !== undefined && length < shape.min)
      out.push(`Member must have length greater than or equal to ${shape.min}`);
    if (shape.type === 'string' && shape.pattern !== undefined) {
      const re = patternMatcher(shape.pattern);
      if (re && !re.test(value)) out.push(`Member must satisfy regular expression pattern: ${shape.pattern}`);
    }
    if (shape.enum !== undefined && !shape.enum.includes(value)) {
      out.push(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
    }
    return out;
  }

  private scalar(v: unknown, shape: Shape, at: Place): void {
    if (v instanceof FormNode && v.value === undefined && v.children.size > 0) {
      this.add(at, v, `Member must be ${TYPE_WORDS[shape.type] ?? shape.type}`, 'type');
      return;
    }
    const read = this.read(v, shape);
    if (!read.ok) {
      this.add(at, v, `Member must be ${TYPE_WORDS[shape.type] ?? shape.type}`, 'type', read.json);
      return;
    }
    for (const c of this.scalarFailures(v, shape)) this.add(at, v, c, 'constraint');
  }
}

function readText(text: string, shape: Shape): { ok: true; value: unknown } | { ok: false; json: false } {
  const bad = { ok: false, json: false } as const;
  switch (shape.type) {
    case 'integer':
    case 'short':
    case 'byte':
    case 'long':
    case 'biginteger': {
      if (!/^[-+]?\d+$/.test(text.trim())) return bad;
      const n = Number(text);
      if (shape.type === 'long' ? !Number.isSafeInteger(n) : n < -INT32 || n >= INT32) return bad;
      return { ok: true, value: n };
    }
    case 'float':
    case 'double':
    case 'bigdecimal': {
      const n = Number(text);
      return text.trim() === '' || Number.isNaN(n) ? bad : { ok: true, value: n };
    }
    case 'boolean':
      return /^(true|false)$/i.test(text) ? { ok: true, value: text.toLowerCase() === 'true' } : bad;
    case 'timestamp':
      return Number.isNaN(Date.parse(text)) && !/^\d+(\.\d+)?$/.test(text) ? bad : { ok: true, value: text };
    default:
      return { ok: true, value: text };
  }
}

function readJsonScalar(v: unknown, shape: Shape): { ok: true; value: unknown } | { ok: false; json: true } {
  const bad = { ok: false, json: true } as const;
  switch (shape.type) {
    case 'integer':
    case 'short':
    case 'byte':
    case 'long':
    case 'biginteger':
      if (typeof v !== 'number' || !Number.isInteger(v)) return bad;
      if (shape.type === 'long' ? !Number.isSafeInteger(v) : v < -INT32 || v >= INT32) return bad;
      return { ok: true, value: v };
    case 'float':
    case 'double':
    case 'bigdecimal':
      return typeof v === 'number' ? { ok: true, value: v } : bad;
    case 'boolean':
      return typeof v === 'boolean' ? { ok: true, value: v } : bad;
    case 'timestamp':
      return typeof v === 'number' || (typeof v === 'string' && !Number.isNaN(Date.parse(v)))
        ? { ok: true, value: v }
        : bad;
    default:
      return typeof v === 'string' ? { ok: true, value: v } : bad;
  }
}
