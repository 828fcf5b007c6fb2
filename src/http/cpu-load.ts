// The machine's CPU load, for work that can be shed when the cores are saturated: a tile built
// for a request is gzipped for the client unless the machine is this busy (tiles/tile-response.ts).
// IIS sheds dynamic compression the same way (dynamicCompressionDisableCpuUsage, 90 % by
// default). Node only: Workers bill CPU per request and have no such figure (src/worker.ts never
// sheds).
import { cpus } from 'node:os';

interface Sample {
  at: number;
  busy: number;
  total: number;
}

function sample(at: number): Sample | undefined {
  const cores = cpus();
  if (cores.length === 0) return undefined;
  let busy = 0;
  let total = 0;
  for (const { times } of cores) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { at, busy, total };
}

export interface CpuLoad {
  /** The busy share of every core's time (0–1) over the last completed interval; 0 when unknown. */
  busy(): number;
}

/**
 * The share of the machine's CPU time (all processes, the database's too when it runs on the same
 * machine) that was busy, over intervals of `intervalMs`. Sampled when asked, at most once an
 * interval: no timer to stop, and os.cpus() (one read of /proc/stat) is not paid per request.
 */
export function machineCpuLoad(intervalMs = 1000, now: () => number = () => performance.now()): CpuLoad {
  let last = sample(now());
  let share = 0;
  return {
    busy() {
      const at = now();
      if (!last || at - last.at < intervalMs) return share;
      const next = sample(at);
      if (next && next.total > last.total) share = (next.busy - last.busy) / (next.total - last.total);
      last = next;
      return share;
    },
  };
}

/** Whether to send a newly built tile plain rather than gzipped: when the load is at or above
 *  `maxShare` (1 or more: never). */
export function shedAbove(load: CpuLoad, maxShare: number): () => boolean {
  if (maxShare >= 1) return () => false;
  return () => load.busy() >= maxShare;
}
