// Typed reading of JSON request bodies (EKS rest-json, ECR json-1.1). A wrong type is the
// caller's mistake and answered with the service's InvalidParameterException.

import { AwsError } from './errors.js';

export type JsonObject = Record<string, unknown>;

export class JsonInput {
  constructor(
    readonly data: JsonObject,
    private readonly where = '',
  ) {}

  static parse(body: Buffer): JsonInput {
    const text = body.toString('utf8').trim();
    if (text === '') return new JsonInput({});
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AwsError('SerializationException', 'Request body is not valid JSON.', 400);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new AwsError('SerializationException', 'Request body must be a JSON object.', 400);
    }
    return new JsonInput(parsed as JsonObject);
  }

  private bad(name: string, expected: string): AwsError {
    return new AwsError('InvalidParameterException', `${this.where}${name} must be ${expected}.`, 400);
  }

  has(name: string): boolean {
    return this.data[name] !== undefined && this.data[name] !== null;
  }

  str(name: string): string | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw this.bad(name, 'a string');
    return v;
  }

  required(name: string): string {
    const v = this.str(name);
    if (v === undefined || v === '') {
      throw new AwsError('InvalidParameterException', `${this.where}${name} is required.`, 400);
    }
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw this.bad(name, 'a boolean');
    return v;
  }

  int(name: string): number | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.bad(name, 'an integer');
    return v;
  }

  strings(name: string): string[] | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw this.bad(name, 'a list of strings');
    return v as string[];
  }

  obj(name: string): JsonInput | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw this.bad(name, 'an object');
    return new JsonInput(v as JsonObject, `${this.where}${name}.`);
  }

  objs(name: string): JsonInput[] | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null))
      throw this.bad(name, 'a list of objects');
    return (v as JsonObject[]).map((x, i) => new JsonInput(x, `${this.where}${name}[${i}].`));
  }

  stringMap(name: string): Record<string, string> | undefined {
    const v = this.data[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
      throw this.bad(name, 'a map of strings');
    }
    return { ...(v as Record<string, string>) };
  }
}
