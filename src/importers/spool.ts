// Where POST /imports spools request bodies: one directory per upload under a known spool
// directory (FONCIER_SPOOL_DIR, by default foncier-spool under the OS temp dir), named
// `import-<pid>-<random>` after the process writing it. A process killed mid-import leaves its
// spool behind (a national CNIG file is tens of MiB); the next start sweeps the spools of
// processes that are gone and never those of a live one (two servers may share the directory).
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const defaultSpoolDir = () => join(tmpdir(), 'foncier-spool');

const spoolName = /^import-(\d+)-/;

/** A fresh directory for one upload, named after this process. */
export async function spoolDirectory(spoolDir: string): Promise<string> {
  await mkdir(spoolDir, { recursive: true });
  return mkdtemp(join(spoolDir, `import-${process.pid}-`));
}

/** When this process started (ms since the epoch), to tell its own pid from a previous holder's. */
const processStartMs = () => performance.timeOrigin;

/**
 * Whether the process `pid` of this host may still be the one that wrote something at
 * `writtenAtMs`. Our own pid is ours only for what we wrote since we started (a restarted
 * container gets the same pid); another pid is alive when signal 0 reaches it (EPERM: it
 * exists, under another user).
 */
export function isLiveWriter(pid: number, writtenAtMs: number): boolean {
  if (pid === process.pid) return writtenAtMs >= processStartMs();
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the spools of processes that are gone; returns their names. Other entries stay. */
export async function sweepSpools(spoolDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(spoolDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const removed: string[] = [];
  for (const name of names.sort()) {
    const pid = spoolName.exec(name)?.[1];
    if (!pid) continue;
    const path = join(spoolDir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info || isLiveWriter(Number(pid), info.mtimeMs)) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
