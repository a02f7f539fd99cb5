// S3's XML (rest-xml): a small reader for the request documents S3 takes (bucket configuration,
// tagging, versioning, delete lists) and a writer for its answers. Unlike the query protocols, S3
// repeats an element for each list item (<Contents/><Contents/>), with no <member> wrapper.

import { AwsError } from './errors.js';
import { escapeXml } from './xml.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

export const malformedXml = () =>
  new AwsError(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
    400,
  );

function unescapeXml(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Parses a document into elements (attributes and namespaces ignored); MalformedXML if broken. */
export function parseXml(body: string): XmlElement {
  const text = body.replace(/^\uFEFF/, '').replace(/<\?xml[^?]*\?>/, '');
  const token =
    /<!--[\s\S]*?-->|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^\s=>/]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  let consumed = 0;
  for (let m = token.exec(text); m !== null; m = token.exec(text)) {
    if (m.index !== consumed) throw malformedXml();
    consumed = token.lastIndex;
    if (m[0].startsWith('<!--')) continue;
    const top = stack[stack.length - 1]!;
    if (m[5] !== undefined) {
      top.text += unescapeXml(m[5]);
      continue;
    }
    const name = m[2]!.replace(/^[\w.-]+:/, '');
    if (m[1] === '/') {
      if (top.name !== name || stack.length === 1) throw malformedXml();
      stack.pop();
    } else {
      const el: XmlElement = { name, children: [], text: '' };
      top.children.push(el);
      if (m[4] !== '/') stack.push(el);
    }
  }
  if (consumed !== text.length || stack.length !== 1) throw malformedXml();
  const elements = root.children;
  if (elements.length !== 1 || root.text.trim() !== '') throw malformedXml();
  return elements[0]!;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}

export function children(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}

export function childText(el: XmlElement, name: string): string | undefined {
  return child(el, name)?.text.trim();
}

export function childBool(el: XmlElement, name: string): boolean | undefined {
  const v = childText(el, name);
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw malformedXml();
  return v === 'true';
}

/** A value of an S3 answer: arrays repeat the element, undefined leaves it out. */
export type S3XmlValue = string | number | boolean | undefined | S3XmlObject | S3XmlObject[] | string[];
export interface S3XmlObject {
  [element: string]: S3XmlValue;
}

function renderValue(name: string, v: S3XmlValue): string {
  if (v === undefined) return '';
  if (Array.isArray(v)) return v.map((item) => renderValue(name, item)).join('');
  if (typeof v === 'object') return `<${name}>${renderObject(v)}</${name}>`;
  return `<${name}>${escapeXml(String(v))}</${name}>`;
}

export function renderObject(o: S3XmlObject): string {
  return Object.entries(o)
    .map(([k, v]) => renderValue(k, v))
    .join('');
}

/** One element, for answers that interleave elements of different names (ListObjectVersions). */
export function renderElement(name: string, content: S3XmlObject): string {
  return renderValue(name, content);
}

/** A complete answer document: <Root xmlns="...">...</Root>; `content` may be pre-rendered XML. */
export function s3Document(root: string, content: S3XmlObject | string | { xml: string }): string {
  const inner =
    typeof content === 'string'
      ? escapeXml(content)
      : 'xml' in content && typeof content.xml === 'string'
        ? content.xml
        : renderObject(content as S3XmlObject);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_XMLNS}">${inner}</${root}>`;
}
