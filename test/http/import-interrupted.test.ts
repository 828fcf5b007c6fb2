// An import killed midway: the server handling POST /imports is killed (SIGKILL) while the
// importer runs. Its run is left 'running' with its spooled body on disk; the next server start
// marks the run failed ('interrupted') and removes the spool, and leaves alone the runs and
// spools of live processes and of another host. Real processes: src/server.ts as a child.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createApp } from '../../src/app.js';
import { createApiKey } from '../../src/auth/keys.js';
import { backendName } from '../support/app.js';
import { copyTemplate, type TemplateCopy } from '../support/template.js';

// The port range this suite's servers may use (9120-9129).
const PORT = 9122;
const root = new URL('../..', import.meta.url).pathname;

let copy: TemplateCopy;
let spoolDir: string;
let adminKey: string;
let body: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  copy = await copyTemplate(inject('templateLocation'));
  spoolDir = mkdtempSync(join(tmpdir(), 'foncier-spool-test-'));
  const handle = await copy.open();
  try {
    adminKey = (await createApiKey(handle.db, { name: 'interrupted import', role: 'admin' })).key;
    // A CNIG terrain-eco file of the catalogue's own plots, repeated to about 24 MiB: long
    // enough to import that the kill lands while the importer reads it.
    const csv = await (
      await createApp({ db: handle.db, backend: handle.kind }).request('http://localhost/exports/cnig/terrain-eco.csv')
    ).text();
    const [header, ...rows] = csv.trimEnd().split('\n');
    const block = `${rows.join('\n')}\n`;
    body = `${header}\n${block.repeat(Math.ceil((24 * 1024 * 1024) / block.length))}`;
  } finally {
    await handle.close();
  }
}, 180_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(spoolDir, { recursive: true, force: true });
  await copy?.drop();
});

interface Server {
  child: ChildProcess;
  /** Resolves with the first log line whose message is `message`. */
  logged(message: string): Promise<Record<string, unknown>>;
  exited: Promise<void>;
}

function startServer(): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: {
      ...process.env,
      ...copy.env,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      FONCIER_SPOOL_DIR: spoolDir,
      FONCIER_DEMO_DATA: 'false',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  const waiting = new Map<string, (line: Record<string, unknown>) => void>();
  const seen: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (text) => {
    stderr.push(text);
    try {
      const line = JSON.parse(text) as Record<string, unknown>;
      seen.push(line);
      waiting.get(String(line.message))?.(line);
    } catch {
      // not a log line (a crash message): kept in stderr for the failure report
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const logged = (message: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const found = seen.find((l) => l.message === message);
      if (found) return resolve(found);
      waiting.set(message, resolve);
      void exited.then(() =>
        reject(new Error(`server exited before logging ${message}: ${stderr.join('\n').slice(-2000)}`)),
      );
    });
  return logged('listening').then(() => ({ child, logged, exited }));
}

describe(`an import killed midway (${backendName()})`, () => {
  it('leaves its run running and its spool; the next start marks it interrupted and removes the spool', async () => {
    const first = await startServer();
    const response = fetch(`http://127.0.0.1:${PORT}/imports?kind=terrain-eco&filename=terrain-eco.csv`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'text/csv' },
      body,
    }).then(
      (res) => `answered ${res.status}`,
      () => 'cut off',
    );
    const started = await first.logged('import started');
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await response).toBe('cut off');
    const runId = String(started.importRunId);
    const killedPid = first.child.pid!;

    // What the kill left: the run 'running', the spooled body of the dead process.
    const leftSpools = readdirSync(spoolDir).filter((name) => name.startsWith(`import-${killedPid}-`));
    expect(leftSpools).toHaveLength(1);
    expect(readdirSync(join(spoolDir, leftSpools[0]!))).toEqual(['terrain-eco.csv']);
    // Next to it: a spool of a live process (this one), and a file that is no spool.
    const liveSpool = `import-${process.pid}-live`;
    mkdirSync(join(spoolDir, liveSpool));
    writeFileSync(join(spoolDir, 'notes.txt'), 'not a spool');

    const elsewhere = randomUUID();
    const live = randomUUID();
    let handle = await copy.open();
    try {
      const run = await handle.db
        .selectFrom('importRuns')
        .selectAll()
        .where('id', '=', runId)
        .executeTakeFirstOrThrow();
      expect(run).toMatchObject({
        status: 'running',
        kind: 'terrain-eco',
        finishedAt: null,
        error: null,
        host: hostname(),
        pid: killedPid,
      });
      // Runs recovery must leave: another host's, and one of a live process of this host.
      const base = {
        kind: 'epci',
        source: 'test',
        dryRun: false,
        partial: false,
        status: 'running' as const,
        created: 0,
        updated: 0,
        unchanged: 0,
        rejected: 0,
        error: null,
        report: '{}',
        finishedAt: null,
      };
      await handle.db
        .insertInto('importRuns')
        .values([
          {
            ...base,
            id: elsewhere,
            host: `not-${hostname()}`,
            pid: 1,
            startedAt: new Date(run.startedAt.getTime() - 1000),
          },
          {
            ...base,
            id: live,
            host: hostname(),
            pid: process.pid,
            startedAt: new Date(run.startedAt.getTime() + 1000),
          },
        ])
        .execute();
    } finally {
      await handle.close();
    }

    const second = await startServer();
    const recovered = await second.logged('interrupted imports recovered');
    expect(recovered).toMatchObject({
      interruptedRuns: [runId],
      removedSpools: leftSpools,
      runningElsewhere: [elsewhere, live],
    });
    const health = await fetch(`http://127.0.0.1:${PORT}/healthz`);
    expect(health.status).toBe(200);
    second.child.kill('SIGTERM');
    await second.exited;

    expect(existsSync(join(spoolDir, leftSpools[0]!))).toBe(false);
    expect(readdirSync(spoolDir).sort()).toEqual([liveSpool, 'notes.txt'].sort());
    handle = await copy.open();
    try {
      const runs = await handle.db
        .selectFrom('importRuns')
        .select(['id', 'status', 'error', 'finishedAt', 'report'])
        .where('id', 'in', [runId, elsewhere, live])
        .execute();
      const byId = new Map(runs.map((r) => [r.id, r]));
      expect(byId.get(runId)).toMatchObject({ status: 'failed', error: 'interrupted', finishedAt: expect.any(Date) });
      expect(byId.get(runId)!.report).toMatchObject({
        kind: 'terrain-eco',
        file: 'terrain-eco.csv',
        written: false,
        error: 'interrupted',
      });
      expect(byId.get(elsewhere)).toMatchObject({ status: 'running', error: null, finishedAt: null });
      expect(byId.get(live)).toMatchObject({ status: 'running', error: null, finishedAt: null });
    } finally {
      await handle.close();
    }
  }, 240_000);
});
