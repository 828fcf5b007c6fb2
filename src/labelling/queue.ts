// The review queue of the workspace: every open or closed dossier a viewer may see (an editor,
// those of its territories), with its state, region, how far its assessment has gone, its
// readiness period (when the site is available) and how long it has waited since its last move.
// Filters and sort are applied here, on a list of the programme's size (about fifty).
import { sql, type Kysely } from 'kysely';
import type { Viewer } from '../auth/viewer.js';
import type { Database } from '../db/schema.js';
import { readinessPeriod, type ReadinessPeriod } from '../programme/dashboard.js';
import { firstTerritoryOfSite } from '../programme/site-sql.js';
import type { LabelState } from '../sites/vocabulary.js';
import { currentGrid } from './grid.js';

export interface QueueEntry {
  id: string;
  name: string;
  state: LabelState;
  regionCode: string | null;
  regionName: string | null;
  territoryName: string | null;
  availableFrom: string | null;
  period: ReadinessPeriod;
  assessed: number;
  total: number;
  /** Whole days since the dossier's last move (or last change), on the app's clock. */
  waitingDays: number;
}

export const queueSorts = ['attente', 'nom', 'region', 'etat'] as const;
export type QueueSort = (typeof queueSorts)[number];

export interface QueueQuery {
  state?: LabelState;
  region?: string;
  period?: ReadinessPeriod;
  sort: QueueSort;
}

interface QueueRow {
  id: string;
  name: string;
  labelStatus: LabelState;
  availableFrom: string | null;
  regionCode: string | null;
  regionName: string | null;
  territoryName: string | null;
  assessed: number;
  total: number;
  lastMoveAt: Date;
}

const DAY_MS = 86_400_000;

export async function reviewQueue(db: Kysely<Database>, viewer: Viewer, query: QueueQuery, now: Date) {
  const current = (await currentGrid(db)).version;
  const scoped = viewer.role === 'editor';
  const { rows } = await sql<QueueRow>`
    SELECT s.id, s.name, s.label_status, s.available_from, t.region_code, t.region_name, t.name AS territory_name,
           (SELECT count(*)::int
            FROM label_assessments a
            WHERE a.site_id = s.id AND a.grid_version = coalesce(d.grid_version, ${current})) AS assessed,
           (SELECT jsonb_array_length(g.criteria)
            FROM labelling_grids g
            WHERE g.version = coalesce(d.grid_version, ${current})) AS total,
           coalesce(
             (SELECT max(l.at)
              FROM audit_log l
              WHERE l.entity = 'site' AND l.entity_id = s.id AND l.action = 'label_transition'),
             s.updated_at) AS last_move_at
    FROM sites s
    LEFT JOIN label_dossiers d ON d.site_id = s.id
    LEFT JOIN ${firstTerritoryOfSite} ON true
    WHERE s.label_status IS NOT NULL AND s.deleted_at IS NULL
      ${
        scoped
          ? sql`AND EXISTS (
                  SELECT 1
                  FROM territory_epci te
                  WHERE te.epci_siren = s.epci_siren AND te.territory_id = ANY(${viewer.territories}::text[]))`
          : sql``
      }
    ORDER BY s.id`.execute(db);
  const all: QueueEntry[] = rows.map((r) => ({
    id: r.id,
    name: r.name,
    state: r.labelStatus,
    regionCode: r.regionCode,
    regionName: r.regionName,
    territoryName: r.territoryName,
    availableFrom: r.availableFrom,
    period: readinessPeriod(r.availableFrom),
    assessed: r.assessed,
    total: r.total,
    waitingDays: Math.max(0, Math.floor((now.getTime() - new Date(r.lastMoveAt).getTime()) / DAY_MS)),
  }));
  const regions = [
    ...new Map(all.filter((e) => e.regionCode).map((e) => [e.regionCode!, e.regionName ?? ''])).entries(),
  ]
    .map(([code, name]) => ({ code, name }))
    .sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  const entries = all
    .filter((e) => !query.state || e.state === query.state)
    .filter((e) => !query.region || e.regionCode === query.region)
    .filter((e) => !query.period || e.period === query.period)
    .sort(sorters[query.sort]);
  return { entries, total: all.length, regions };
}

const byName = (a: QueueEntry, b: QueueEntry) => a.name.localeCompare(b.name, 'fr') || a.id.localeCompare(b.id);
const sorters: Record<QueueSort, (a: QueueEntry, b: QueueEntry) => number> = {
  attente: (a, b) => b.waitingDays - a.waitingDays || byName(a, b),
  nom: byName,
  region: (a, b) => (a.regionName ?? '').localeCompare(b.regionName ?? '', 'fr') || byName(a, b),
  etat: (a, b) => a.state.localeCompare(b.state) || byName(a, b),
};
