// Form-encoded parameters of the query protocols (IAM, STS, EC2): flat keys such as
// `Filter.1.Value.2` or `Tags.member.1.Key`, read here with typed accessors.

import type { AwsError } from './errors.js';

export type MissingParam = (name: string) => AwsError;

export class QueryParams {
  constructor(
    private readonly flat: Map<string, string>,
    private readonly missing: MissingParam,
    private readonly prefix = '',
  ) {}

  static parse(body: string, missing: MissingParam): QueryParams {
    const flat = new Map<string, string>();
    for (const [k, v] of new URLSearchParams(body)) flat.set(k, v);
    return new QueryParams(flat, missing);
  }

  private key(name: string): string {
    return this.prefix + name;
  }

  str(name: string): string | undefined {
    return this.flat.get(this.key(name));
  }

  required(name: string): string {
    const v = this.str(name);
    if (v === undefined || v === '') throw this.missing(this.key(name));
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.str(name);
    return v === undefined ? undefined : v.toLowerCase() === 'true';
  }

  int(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    return Number.isInteger(n) ? n : undefined;
  }

  /** Indices N present under `name.N...`, ascending. */
  private indices(name: string): number[] {
    const head = `${this.key(name)}.`;
    const found = new Set<number>();
    for (const k of this.flat.keys()) {
      if (!k.startsWith(head)) continue;
      const n = Number(k.slice(head.length).split('.')[0]);
      if (Number.isInteger(n) && n > 0) found.add(n);
    }
    return [...found].sort((a, b) => a - b);
  }

  /** `name.1`, `name.2`, ... as strings. */
  list(name: string): string[] {
    return this.indices(name)
      .map((i) => this.flat.get(`${this.key(name)}.${i}`))
      .filter((v): v is string => v !== undefined);
  }

  /** `name.1.X`, `name.2.X`, ... as nested parameter sets. */
  structs(name: string): QueryParams[] {
    return this.indices(name).map((i) => new QueryParams(this.flat, this.missing, `${this.key(name)}.${i}.`));
  }

  sub(name: string): QueryParams {
    return new QueryParams(this.flat, this.missing, `${this.key(name)}.`);
  }

  /** Everything under this prefix as a nested object, for the call log. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of this.flat) {
      if (!k.startsWith(this.prefix)) continue;
      const path = k.slice(this.prefix.length).split('.');
      let node = out;
      path.forEach((seg, i) => {
        if (i === path.length - 1) {
          node[seg] = v;
          return;
        }
        const next = node[seg];
        if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>;
        else {
          const fresh: Record<string, unknown> = {};
          node[seg] = fresh;
          node = fresh;
        }
      });
    }
    return out;
  }
}
