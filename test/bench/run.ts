/**
 * `npm run bench [-- filter]`: runs every benchmark exported from test/bench/*.bench.ts whose
 * name contains the filter and prints one machine-readable line per benchmark:
 *   BENCH <name> value=<n><unit> baseline=<n><unit> ratio=<n>
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Benchmark } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const benches: Benchmark[] = [];
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { benchmarks?: Benchmark[] };
  benches.push(...(mod.benchmarks ?? []));
}
const selected = benches.filter((b) => b.name.includes(filter));
if (selected.length === 0) {
  console.error(`no benchmark matches "${filter}"; known: ${benches.map((b) => b.name).join(', ')}`);
  process.exit(2);
}

let failed = false;
for (const bench of selected) {
  console.log(`# ${bench.name}: ${bench.description}`);
  try {
    const r = await bench.run();
    for (const line of r.notes ?? []) console.log(`#   ${line}`);
    const ratio = r.baseline > 0 ? r.value / r.baseline : Number.NaN;
    console.log(
      `BENCH ${bench.name} value=${fmt(r.value)}${r.unit} baseline=${fmt(r.baseline)}${r.unit} ratio=${ratio.toFixed(3)}`,
    );
  } catch (e) {
    failed = true;
    console.log(`BENCH ${bench.name} error=${JSON.stringify(e instanceof Error ? e.message : String(e))}`);
  }
}
process.exit(failed ? 1 : 0);

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(3);
}
