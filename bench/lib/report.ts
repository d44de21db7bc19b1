import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Row {
  metric: string;
  value: number;
  unit: string;
  target?: string;
  note?: string;
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

/** Prints a table and keeps a JSON copy under bench/results/ for comparisons between runs. */
export function report(name: string, rows: Row[], meta: Record<string, unknown> = {}): void {
  const w = Math.max(...rows.map((r) => r.metric.length), 6);
  const lines = [`\n## ${name}`, ''];
  for (const r of rows) {
    const target = r.target ? `  (target ${r.target})` : '';
    const note = r.note ? `  ${r.note}` : '';
    lines.push(`${r.metric.padEnd(w)}  ${fmt(r.value).padStart(12)} ${r.unit}${target}${note}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const dir = join(process.cwd(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(dir, `${name}-${stamp}.json`), JSON.stringify({ name, meta, rows }, null, 2));
}

export const MiB = 1024 * 1024;
