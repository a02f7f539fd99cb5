/**
 * Which objects a patch `target` picks, as kustomize decides it: group, version, kind, name and
 * namespace are regular expressions anchored at both ends; name and namespace may match what the
 * object is called now or what it was called before a namespace transformer moved it; and
 * `labelSelector` / `annotationSelector` use Kubernetes' label selector syntax
 * (`app=web,tier!=db`, `env in (a,b)`, `!legacy`).
 */
import { userError } from '../../primitives/errors.js';
import type { Selector } from './kustomization.js';
import { annotationsOf, effectiveNamespace, idOf, labelsOf, originalId, type Resource } from './resource.js';

export type Matcher = (r: Resource) => boolean;

export function selectorMatcher(s: Selector, where: string): Matcher {
  const group = pattern(s.group, `${where}.group`);
  const version = pattern(s.version, `${where}.version`);
  const kind = pattern(s.kind, `${where}.kind`);
  const name = pattern(s.name, `${where}.name`);
  const namespace = pattern(s.namespace, `${where}.namespace`);
  const labels = labelSelector(s.labelSelector ?? '', `${where}.labelSelector`);
  const annotations = labelSelector(s.annotationSelector ?? '', `${where}.annotationSelector`);
  return (r) => {
    const now = idOf(r.object);
    const was = originalId(r);
    return (
      (namespace(effectiveNamespace(was)) || namespace(effectiveNamespace(now))) &&
      (name(was.name) || name(now.name)) &&
      group(now.group) &&
      version(now.version) &&
      kind(now.kind) &&
      labels(labelsOf(r.object)) &&
      annotations(annotationsOf(r.object))
    );
  };
}

function pattern(p: string | undefined, where: string): (value: string) => boolean {
  if (p === undefined || p === '') return () => true;
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${p})$`);
  } catch (e) {
    throw userError(
      'GITOPS_BAD_CONFIG',
      `${where}: invalid regular expression "${p}": ${(e as Error).message}`,
    );
  }
  return (value) => re.test(value);
}

type Requirement = (set: Record<string, string>) => boolean;

const KEY = `[A-Za-z0-9][A-Za-z0-9._/-]*`;
const VALUE = `[A-Za-z0-9._-]*`;
const EXISTS = new RegExp(`^(${KEY})$`);
const NOT_EXISTS = new RegExp(`^!\\s*(${KEY})$`);
const COMPARE = new RegExp(`^(${KEY})\\s*(==|!=|=|>|<)\\s*(${VALUE})$`);
const IN_SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);

/** Parses a Kubernetes label selector; the result tells whether a label (or annotation) set matches. */
export function labelSelector(text: string, where: string): (set: Record<string, string>) => boolean {
  const requirements = splitTopLevel(text)
    .map((part) => part.trim())
    .filter((part, _i, all) => part !== '' || all.length > 1)
    .map((part) => requirement(part, text, where));
  return (set) => requirements.every((req) => req(set));
}

function requirement(part: string, text: string, where: string): Requirement {
  const has = (set: Record<string, string>, key: string) => Object.hasOwn(set, key);
  let m = NOT_EXISTS.exec(part);
  if (m) {
    const key = m[1]!;
    return (set) => !has(set, key);
  }
  m = EXISTS.exec(part);
  if (m) {
    const key = m[1]!;
    return (set) => has(set, key);
  }
  m = IN_SET.exec(part);
  if (m) {
    const [, key, op, inner] = m as unknown as [string, string, string, string];
    const values = new Set(inner.split(',').map((v) => v.trim()));
    if (op === 'in') return (set) => has(set, key) && values.has(set[key]!);
    return (set) => !has(set, key) || !values.has(set[key]!);
  }
  m = COMPARE.exec(part);
  if (m) {
    const [, key, op, value] = m as unknown as [string, string, string, string];
    if (op === '=' || op === '==') return (set) => has(set, key) && set[key] === value;
    if (op === '!=') return (set) => !has(set, key) || set[key] !== value;
    const bound = Number(value);
    if (!/^-?\d+$/.test(value)) throw invalid(text, where, `"${op}" needs a whole number`);
    return (set) => {
      if (!has(set, key) || !/^-?\d+$/.test(set[key]!)) return false;
      const n = Number(set[key]);
      return op === '>' ? n > bound : n < bound;
    };
  }
  throw invalid(text, where, `cannot read "${part}"`);
}

/** Splits on commas outside parentheses (`a in (x,y),b` is two requirements). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function invalid(text: string, where: string, why: string) {
  return userError('GITOPS_BAD_CONFIG', `${where}: invalid selector "${text}": ${why}`, {
    hint: 'use Kubernetes label selector syntax: key=value, key!=value, key in (a,b), key notin (a,b), key, !key',
  });
}
