// Minimal XML writer for the query protocols (IAM, STS: lists of <member>; EC2: lists of <item>).
// Values are plain objects whose keys are element names, in the order they are written.

export type XmlValue = string | number | boolean | Date | null | undefined | XmlValue[] | XmlObject;
export interface XmlObject {
  [element: string]: XmlValue;
}

export type ListItem = 'member' | 'item';

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** AWS query APIs print timestamps as ISO 8601 without milliseconds. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function scalar(v: string | number | boolean | Date): string {
  if (v instanceof Date) return isoSeconds(v.getTime());
  return escapeXml(String(v));
}

export function renderXml(value: XmlValue, listItem: ListItem): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) {
    return value.map((v) => `<${listItem}>${renderXml(v, listItem)}</${listItem}>`).join('');
  }
  if (typeof value === 'object' && !(value instanceof Date)) {
    let out = '';
    for (const [name, child] of Object.entries(value)) {
      if (child === undefined || child === null) continue;
      out += `<${name}>${renderXml(child, listItem)}</${name}>`;
    }
    return out;
  }
  return scalar(value);
}
