// The parts of a botocore service model (service-2.json) the request validation reads. Only the
// fields named here are trusted; anything else in the file is ignored.

export type ShapeType =
  | 'structure'
  | 'list'
  | 'map'
  | 'string'
  | 'integer'
  | 'long'
  | 'short'
  | 'byte'
  | 'float'
  | 'double'
  | 'bigdecimal'
  | 'biginteger'
  | 'boolean'
  | 'timestamp'
  | 'blob';

/** A reference to a shape from a member, a list element or a map key/value, with wire traits. */
export interface ShapeRef {
  shape: string;
  /** rest protocols: where the member travels; absent = the body. */
  location?: 'uri' | 'querystring' | 'header' | 'headers' | 'statusCode';
  /** Wire name: the URI label, query key, header name, JSON key or query-protocol name. */
  locationName?: string;
  /** EC2 only: the exact query key, which wins over locationName. */
  queryName?: string;
  flattened?: boolean;
  /** A JSON document carried as a string (header or body); not checked further. */
  jsonvalue?: boolean;
}

export interface Shape {
  type: ShapeType;
  required?: string[];
  members?: Record<string, ShapeRef>;
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  flattened?: boolean;
  /** rest protocols: the member that is the whole body. */
  payload?: string;
  /** Exactly one member may be set. */
  union?: boolean;
  /** A free-form JSON document: no constraints to check inside. */
  document?: boolean;
  timestampFormat?: string;
}

export interface Operation {
  name: string;
  http?: { method: string; requestUri: string };
  input?: { shape: string };
  output?: { shape: string };
}

export interface ServiceModel {
  metadata: {
    protocol: string;
    apiVersion: string;
    targetPrefix?: string;
    signingName?: string;
    endpointPrefix: string;
  };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}
