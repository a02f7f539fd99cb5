// A SigV4-signed HTTP request built by hand, for tests that must send what no SDK client would:
// a JSON member of the wrong type, a form value that is not a number.

import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { RunningEmulator } from './index.js';

export interface RawCall {
  /** Signing name: eks, ecr, ec2, iam, sts, servicequotas. */
  service: string;
  method?: string;
  path?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export async function rawCall(emu: RunningEmulator, call: RawCall): Promise<RawAnswer> {
  const url = new URL(emu.url);
  const request = new HttpRequest({
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    method: call.method ?? 'POST',
    path: call.path ?? '/',
    query: call.query ?? {},
    headers: { host: url.host, ...(call.headers ?? {}) },
    ...(call.body !== undefined ? { body: call.body } : {}),
  });
  const signer = new SignatureV4({
    credentials: { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
    region: emu.region,
    service: call.service,
    sha256: Sha256,
  });
  const signed = await signer.sign(request);
  const qs = new URLSearchParams(signed.query as Record<string, string>).toString();
  const res = await fetch(`${emu.url}${signed.path}${qs ? `?${qs}` : ''}`, {
    method: signed.method,
    headers: signed.headers,
    ...(call.body !== undefined ? { body: call.body } : {}),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A query-protocol call (IAM, STS, EC2): the form body with Action and Version. */
export function formCall(
  emu: RunningEmulator,
  service: 'iam' | 'sts' | 'ec2',
  action: string,
  params: Record<string, string>,
): Promise<RawAnswer> {
  const version = { iam: '2010-05-08', sts: '2011-06-15', ec2: '2016-11-15' }[service];
  return rawCall(emu, {
    service,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams({ Action: action, Version: version, ...params }).toString(),
  });
}
