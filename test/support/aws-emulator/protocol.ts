// Wire shapes of answers and errors for the four AWS protocols the emulated services use.
// Getting these exactly right is what makes the SDK deserialize results and raise its typed
// exceptions (it looks up the error code in the response to pick the exception class).

import type { AwsError } from './errors.js';
import { s3ErrorReply } from './s3-common.js';
import { escapeXml, type ListItem, renderXml, type XmlObject } from './xml.js';

export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  /** A Buffer for binary answers (S3 GetObject). */
  body: string | Buffer;
}

export type Protocol = 'rest-json' | 'json-1.1' | 'query' | 'ec2-query' | 'rest-xml';

const XMLNS: Record<'iam' | 'sts' | 'ec2', string> = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  ec2: 'http://ec2.amazonaws.com/doc/2016-11-15/',
};

export function jsonReply(protocol: 'rest-json' | 'json-1.1', requestId: string, data: unknown): HttpReply {
  return {
    status: 200,
    headers: {
      'content-type': protocol === 'rest-json' ? 'application/json' : 'application/x-amz-json-1.1',
      'x-amzn-requestid': requestId,
    },
    body: JSON.stringify(data ?? {}),
  };
}

export function jsonError(protocol: 'rest-json' | 'json-1.1', requestId: string, err: AwsError): HttpReply {
  if (protocol === 'rest-json') {
    // rest-json: the type travels in a header, the members in the body.
    return {
      status: err.status,
      headers: {
        'content-type': 'application/json',
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': err.code,
      },
      body: JSON.stringify({ message: err.message, ...err.fields }),
    };
  }
  return {
    status: err.status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
    body: JSON.stringify({ __type: err.code, message: err.message, ...err.fields }),
  };
}

/** IAM and STS (awsQuery): <XResponse><XResult>...</XResult><ResponseMetadata/></XResponse>. */
export function queryReply(
  service: 'iam' | 'sts',
  action: string,
  requestId: string,
  result?: XmlObject,
): HttpReply {
  const inner = result ? `<${action}Result>${renderXml(result, 'member')}</${action}Result>` : '';
  return xmlReply(
    200,
    requestId,
    `<${action}Response xmlns="${XMLNS[service]}">${inner}` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  );
}

export function queryError(service: 'iam' | 'sts', requestId: string, err: AwsError): HttpReply {
  return xmlReply(
    err.status,
    requestId,
    `<ErrorResponse xmlns="${XMLNS[service]}"><Error><Type>${err.senderFault ? 'Sender' : 'Receiver'}</Type>` +
      `<Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  );
}

/** EC2 (ec2Query): members sit directly under <XResponse>, lists are <item>s. */
export function ec2Reply(action: string, requestId: string, result: XmlObject): HttpReply {
  return xmlReply(
    200,
    requestId,
    `<${action}Response xmlns="${XMLNS.ec2}"><requestId>${requestId}</requestId>` +
      `${renderXml(result, 'item' satisfies ListItem)}</${action}Response>`,
  );
}

export function ec2Error(requestId: string, err: AwsError): HttpReply {
  return xmlReply(
    err.status,
    requestId,
    `<Response><Errors><Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message>` +
      `</Error></Errors><RequestID>${requestId}</RequestID></Response>`,
  );
}

function xmlReply(status: number, requestId: string, body: string): HttpReply {
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}

export function errorReply(protocol: Protocol, service: string, requestId: string, err: AwsError): HttpReply {
  switch (protocol) {
    case 'rest-json':
    case 'json-1.1':
      return jsonError(protocol, requestId, err);
    case 'query':
      return queryError(service === 'sts' ? 'sts' : 'iam', requestId, err);
    case 'ec2-query':
      return ec2Error(requestId, err);
    case 'rest-xml':
      return s3ErrorReply(requestId, err);
  }
}
