/**
 * Reading a role's trust policy: does some Allow statement let a service principal do an action?
 * Conditions are not evaluated (ours carry none); a wildcard action (`sts:*`, `*`) counts. A
 * document that is not JSON allows nothing, so the caller reports the role as unusable.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function list(v: Json | undefined): Json[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function record(v: Json | undefined): Record<string, Json> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v : undefined;
}

export function trustAllows(trustPolicy: string, service: string, action: string): boolean {
  let doc: Json;
  try {
    doc = JSON.parse(trustPolicy) as Json;
  } catch {
    return false;
  }
  const wanted = action.toLowerCase();
  return list(record(doc)?.['Statement']).some((s) => {
    const st = record(s);
    if (st?.['Effect'] !== 'Allow') return false;
    const services = list(record(st['Principal'])?.['Service']);
    const actions = list(st['Action']).map((a) => String(a).toLowerCase());
    return (
      services.includes(service) &&
      (actions.includes(wanted) || actions.includes('sts:*') || actions.includes('*'))
    );
  });
}
