// Limits one bench child to a share of a CPU, as Lambda does by memory size
// (1,769 MB = 1 vCPU; 512 MB ≈ 0.29). Uses the cgroup v1 cpu controller's CFS
// quota, or cgroup v2's cpu.max; where neither is writable (no root, a
// container without delegation) the caller reports the figure as not measured.
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Lambda's documented CPU scale: one full vCPU at 1,769 MB. */
export const MB_PER_VCPU = 1_769;

export function vcpuForMemory(memoryMb: number): number {
  return memoryMb / MB_PER_VCPU;
}

export class CpuLimit {
  private constructor(private readonly dir: string) {}

  /** A cgroup holding `pid` with `vcpu` CPUs of quota, or undefined when cgroups cannot be written here. */
  static tryApply(pid: number, vcpu: number, name: string): CpuLimit | undefined {
    const period = 100_000;
    const quota = Math.max(1_000, Math.round(vcpu * period));
    const v1 = '/sys/fs/cgroup/cpu';
    const v2 = '/sys/fs/cgroup';
    try {
      if (existsSync(path.join(v1, 'cpu.cfs_quota_us'))) {
        const dir = path.join(v1, name);
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, 'cpu.cfs_period_us'), String(period));
        writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quota));
        writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
        return new CpuLimit(dir);
      }
      if (existsSync(path.join(v2, 'cgroup.controllers'))) {
        const dir = path.join(v2, name);
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, 'cpu.max'), `${quota} ${period}`);
        writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
        return new CpuLimit(dir);
      }
    } catch {
      return undefined;
    }
    return undefined;
  }

  /** Removes the cgroup once its process has exited (a cgroup with tasks cannot be removed). */
  remove(): void {
    try {
      rmdirSync(this.dir);
    } catch {
      // still busy or already gone: harmless, and named after our pid
    }
  }
}
