/**
 * Can we tell, without asking the server, that a server-side apply would change nothing?
 * Yes when both hold:
 *   1. every value the manifest sets is already the live value (the manifest is a subset of
 *      the live object), and
 *   2. everything our field manager owns is still in the manifest (so the apply would not
 *      remove a field we set before) and was applied at the same apiVersion.
 * Anything uncertain answers "no" and the apply goes to the server as usual: this only saves
 * requests, it never decides what the cluster holds. Status is ignored for resources with a
 * status subresource, since an apply to the main resource does not touch it.
 */
import { isRecord, type KubeObject } from './object.js';

export function applyIsNoop(
  desired: KubeObject,
  live: KubeObject,
  manager: string,
  statusIsSubresource: boolean,
): boolean {
  const ours = (live.metadata.managedFields ?? []).filter(
    (m) => m.manager === manager && m.operation === 'Apply',
  );
  if (ours.length !== 1 || ours[0]!.apiVersion !== desired.apiVersion) return false;
  const { status: _status, ...withoutStatus } = desired;
  const compared = statusIsSubresource ? withoutStatus : desired;
  if (!subset(compared, live)) return false;
  return ownedFieldsPresent(ours[0]!.fieldsV1, compared);
}

/** `quantities`: the values here are resource quantities (children of limits, requests, hard...). */
function subset(want: unknown, have: unknown, quantities = false): boolean {
  if (want === null) return have === null || have === undefined;
  if (Array.isArray(want)) {
    if (!Array.isArray(have) || have.length !== want.length) return false;
    return want.every((w, i) => subset(w, have[i]));
  }
  if (isRecord(want)) {
    if (!isRecord(have)) return false;
    return Object.entries(want).every(([k, w]) => subset(w, have[k], quantities || QUANTITY_PARENTS.has(k)));
  }
  if (want === have) return true;
  return quantities && quantityEqual(want, have);
}

/**
 * fieldsV1 is a tree of "f:<field>", "k:<list-map key>", "v:<set value>", "i:<index>" and "."
 * (the node itself). Each owned path must lead somewhere in the manifest.
 */
function ownedFieldsPresent(tree: unknown, value: unknown): boolean {
  if (!isRecord(tree)) return true;
  for (const [path, child] of Object.entries(tree)) {
    if (path === '.') continue;
    const next = step(path, value);
    if (next === undefined) return false;
    if (!ownedFieldsPresent(child, next)) return false;
  }
  return true;
}

function step(path: string, value: unknown): unknown {
  const kind = path.slice(0, 2);
  const rest = path.slice(2);
  if (kind === 'f:') return isRecord(value) ? value[rest] : undefined;
  if (!Array.isArray(value)) return undefined;
  if (kind === 'i:') return value[Number(rest)];
  let parsed: unknown;
  try {
    parsed = JSON.parse(rest);
  } catch {
    return undefined;
  }
  if (kind === 'v:') return value.find((v) => JSON.stringify(v) === JSON.stringify(parsed));
  if (kind === 'k:' && isRecord(parsed)) {
    const keys = Object.entries(parsed);
    return value.find(
      (v) => isRecord(v) && keys.every(([k, want]) => JSON.stringify(v[k]) === JSON.stringify(want)),
    );
  }
  return undefined;
}

// The server stores quantities canonically ("1000m" as "1", "1000" as "1k"); they sit under these.
const QUANTITY_PARENTS = new Set(['limits', 'requests', 'hard', 'capacity', 'allocatable', 'overhead']);

function quantityEqual(a: unknown, b: unknown): boolean {
  const x = quantity(a);
  const y = quantity(b);
  return x !== undefined && y !== undefined && Math.abs(x - y) <= Math.abs(x) * 1e-12;
}

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity ("100m", "1Gi", "2", 3) as a number, or undefined. */
export function quantity(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  const m = /^([+-]?[0-9.]+)(?:[eE]([+-]?\d+))?(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(v);
  if (!m) return undefined;
  const base = Number(m[1]);
  if (Number.isNaN(base)) return undefined;
  return base * 10 ** Number(m[2] ?? 0) * SUFFIX[m[3] ?? '']!;
}
