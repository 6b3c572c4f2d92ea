/**
 * Summarises V8 CPU profiles (`node --cpu-prof`): self time per function (name, file:line), as a share
 * of the process's busy (non-idle) time. `node bench/support/profile.ts DIR [top]` prints the summary.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
};
type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

export type FunctionShare = { name: string; selfMs: number; share: number };

export function summarizeProfile(file: string): { busyMs: number; idleMs: number; top: FunctionShare[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const label = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? ` ${basename(url)}:${lineNumber + 1}` : '';
    label.set(node.id, `${functionName || '(anonymous)'}${where}`);
  }
  const self = new Map<string, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const name = label.get(profile.samples[i] as number) ?? '?';
    self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const idleUs = self.get('(idle)') ?? 0;
  self.delete('(idle)');
  const busyUs = [...self.values()].reduce((a, b) => a + b, 0);
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => ({ name, selfMs: Math.round(us / 100) / 10, share: Math.round((us / busyUs) * 1000) / 10 }));
  return { busyMs: Math.round(busyUs / 1000), idleMs: Math.round(idleUs / 1000), top };
}

export function summarizeProfiles(dir: string, count = 20): { text: string; files: Record<string, unknown> } {
  const lines: string[] = [];
  const files: Record<string, unknown> = {};
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const { busyMs, idleMs, top } = summarizeProfile(join(dir, file));
    files[file] = { busyMs, idleMs, top: top.slice(0, count) };
    lines.push(`\n${file}: busy ${busyMs} ms, idle ${idleMs} ms — top self time (% of busy)`);
    for (const f of top.slice(0, count)) lines.push(`  ${f.share.toFixed(1).padStart(5)}%  ${f.name}`);
  }
  lines.push(`\nprofiles in ${dir} (open in Chrome DevTools → Performance, or speedscope, for flame graphs)`);
  return { text: lines.join('\n'), files };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(summarizeProfiles(process.argv[2] as string, Number(process.argv[3] ?? 25)).text);
}
