/** Left-aligned columns separated by two spaces; ANSI codes do not count towards widths. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ANSI = /\u001b\[[0-9;]*m/g;

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => visible(r[i] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visible(cell).length)))
        .join('  ')
        .trimEnd(),
    )
    .map((l) => `  ${l}`)
    .join('\n');
}

function visible(s: string): string {
  return s.replace(ANSI, '');
}
