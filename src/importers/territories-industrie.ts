// Territoires d'industrie and the commune → EPCI table (BANATIC `epcicom`). The territory list
// comes in four layouts, recognised by their columns:
//   - ANCT 2023-2027, commune level:    insee_com, lib_com, id_ti, lib_ti
//   - ANCT 2023-2027, groupement level: id_ti, lib_ti, siren_groupement, lib_groupement, nature_juridique
//   - first phase (2018-2022), commune level: code_commune, code_terrind, libelle_terrind
//   - first phase, EPCI level (derived):      code_terrind, libelle_terrind, epci_siren, …, couverture
// (the first-phase GeoJSON with `epci_sirens` is read as the EPCI level). Commune-level lists
// are turned into EPCI members by coverage (≥ 50 % of an EPCI's communes), and each touched
// territory's boundary is rebuilt as the union of its members. Codes that match nothing we
// hold — a 2018 commune merged since, an EPCI not loaded — are reported, not dropped.
import { extname } from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { inseeCommunePattern, sirenPattern } from '../territories/codes.js';
import { refreshTerritoryGeometry } from '../territories/repository.js';
import { epciNature } from './admin-boundaries.js';
import { ImportReportBuilder, type ImportOptions, type ImportReport } from './import-report.js';
import { inImportTransaction } from './import-transaction.js';
import { csvHeader, csvRecords, geoJsonFeatures, type NumberedRecord } from './sources.js';
import {
  addTerritoryMembers,
  epciFromCommunes,
  setCommuneEpci,
  upsertTerritories,
  type Phase,
  type TerritoryInput,
} from './territory-upsert.js';

type Layout = 'anct-communes' | 'anct-groupements' | 'first-phase-communes' | 'first-phase-epci';

function layoutOf(header: string[]): Layout | undefined {
  const has = (...names: string[]) => names.every((n) => header.includes(n));
  if (has('insee_com', 'id_ti', 'lib_ti')) return 'anct-communes';
  if (has('id_ti', 'lib_ti', 'siren_groupement')) return 'anct-groupements';
  if (has('code_commune', 'code_terrind', 'libelle_terrind')) return 'first-phase-communes';
  if (has('code_terrind', 'libelle_terrind', 'epci_siren')) return 'first-phase-epci';
  if (has('code_terrind', 'libelle_terrind', 'epci_sirens')) return 'first-phase-epci';
  return undefined;
}

/** ANCT ids: 'ti-8413' as is; first-phase codes '8401' become 'ti-8401'. */
export function territoryId(code: string): string {
  const trimmed = code.trim().toLowerCase();
  return trimmed.startsWith('ti-') ? trimmed : `ti-${trimmed}`;
}

/** The region is the first two digits of the ANCT code (84 = Auvergne-Rhône-Alpes). */
const regionOf = (id: string) => id.replace(/^ti-/, '').slice(0, 2);

async function* records(path: string): AsyncGenerator<NumberedRecord<Record<string, string>>> {
  if (/^\.(geo)?json$/i.test(extname(path))) {
    for await (const { row, record } of geoJsonFeatures(path)) {
      yield {
        row,
        record: Object.fromEntries(
          Object.entries(record.properties).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]),
        ),
      };
    }
    return;
  }
  yield* csvRecords(path);
}

async function headerOf(path: string): Promise<string[]> {
  if (!/^\.(geo)?json$/i.test(extname(path))) return csvHeader(path);
  for await (const { record } of records(path)) return Object.keys(record);
  return [];
}

/** Unmatched codes of départements we hold are listed one by one; the rest are summed up. */
async function reportUnmatchedCommunes(
  trx: Transaction<Database>,
  report: ImportReportBuilder,
  unmatched: { row: number; column: string; insee: string }[],
): Promise<void> {
  const held = new Set(
    (await trx.selectFrom('communes').select('department').distinct().execute()).map((d) => d.department),
  );
  const outside = new Map<string, number>();
  for (const u of unmatched) {
    const department = u.insee.startsWith('97') ? u.insee.slice(0, 3) : u.insee.slice(0, 2);
    if (held.has(department))
      report.unmatched(
        u.row,
        u.column,
        u.insee,
        'no such commune (merged or renumbered since the list was published?)',
      );
    else outside.set(department, (outside.get(department) ?? 0) + 1);
  }
  if (outside.size > 0) {
    const total = [...outside.values()].reduce((a, b) => a + b, 0);
    report.unmatched(
      0,
      unmatched[0]!.column,
      [...outside.keys()].sort().join(','),
      `${total} rows in départements whose communes are not loaded`,
    );
  }
}

export async function importTerritories(
  db: Kysely<Database>,
  path: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const isCsv = !/^\.(geo)?json$/i.test(extname(path));
  const report = new ImportReportBuilder('territories', path, options, isCsv ? 1 : null);
  const layout = layoutOf(await headerOf(path));
  if (!layout) {
    report.reject(
      0,
      null,
      'unknown layout: expected the ANCT lists (insee_com/id_ti or id_ti/siren_groupement) ' +
        'or the first-phase list (code_commune/code_terrind)',
    );
    return report.finish({ accepted: 0, written: false });
  }
  const phase: Phase = layout.startsWith('anct') ? '2023-2027' : '2018-2022';
  const territories = new Map<string, TerritoryInput>();
  const communeMembers: { row: number; territoryId: string; insee: string }[] = [];
  const epciMembers: { row: number; territoryId: string; epciSiren: string }[] = [];
  for await (const { row, record } of records(path)) {
    report.read();
    const code = record.id_ti ?? record.code_terrind ?? '';
    const name = (record.lib_ti ?? record.libelle_terrind ?? '').trim();
    if (!/^(ti-)?[0-9a-z-]{2,60}$/i.test(code.trim()))
      report.reject(row, layout.startsWith('anct') ? 'id_ti' : 'code_terrind', 'not a territory code', code);
    if (!name) report.reject(row, layout.startsWith('anct') ? 'lib_ti' : 'libelle_terrind', 'missing name');
    if (report.isRejected(row)) continue;
    const id = territoryId(code);
    if (!territories.has(id)) territories.set(id, { id, name, regionCode: regionOf(id) });
    if (layout === 'anct-communes' || layout === 'first-phase-communes') {
      const insee = (record.insee_com ?? record.code_commune ?? '').trim();
      if (!inseeCommunePattern.test(insee))
        report.reject(
          row,
          layout === 'anct-communes' ? 'insee_com' : 'code_commune',
          'not an INSEE commune code',
          insee,
        );
      else communeMembers.push({ row, territoryId: id, insee });
    } else if (layout === 'anct-groupements') {
      const siren = (record.siren_groupement ?? '').trim();
      if (!sirenPattern.test(siren)) report.reject(row, 'siren_groupement', 'not a SIREN', siren);
      else epciMembers.push({ row, territoryId: id, epciSiren: siren });
    } else if (record.epci_sirens !== undefined) {
      for (const siren of record.epci_sirens.split('|').filter(Boolean))
        epciMembers.push({ row, territoryId: id, epciSiren: siren });
    } else if (Number(record.couverture ?? '1') >= 0.5) {
      // The derived first-phase file lists every overlap; an EPCI belongs where most of it lies.
      epciMembers.push({ row, territoryId: id, epciSiren: (record.epci_siren ?? '').trim() });
    }
  }
  let counts = { created: 0, updated: 0, unchanged: 0 };
  const { written } = await inImportTransaction(db, report, async (trx) => {
    counts = await upsertTerritories(trx, [...territories.values()], phase);
    if (communeMembers.length > 0) {
      const known = new Set((await trx.selectFrom('communes').select('insee').execute()).map((c) => c.insee));
      await reportUnmatchedCommunes(
        trx,
        report,
        communeMembers
          .filter((m) => !known.has(m.insee))
          .map((m) => ({
            row: m.row,
            column: layout === 'anct-communes' ? 'insee_com' : 'code_commune',
            insee: m.insee,
          })),
      );
      epciMembers.push(
        ...(
          await epciFromCommunes(
            trx,
            communeMembers.filter((m) => known.has(m.insee)),
          )
        ).map((m) => ({ row: 0, ...m })),
      );
    }
    const epci = new Set((await trx.selectFrom('epci').select('siren').execute()).map((e) => e.siren));
    for (const m of epciMembers)
      if (!epci.has(m.epciSiren))
        report.unmatched(m.row, 'siren', m.epciSiren, 'no such EPCI (import the EPCI boundaries first)');
    await addTerritoryMembers(
      trx,
      epciMembers.filter((m) => epci.has(m.epciSiren)),
    );
    for (const id of territories.keys()) await refreshTerritoryGeometry(trx, id);
  });
  return report.finish({
    accepted: territories.size,
    inserted: counts.created,
    updated: counts.updated,
    unchanged: counts.unchanged,
    written,
  });
}

/** BANATIC epcicom: siren, nature_juridique, insee, ptot_2025 (population). */
export async function importEpcicom(
  db: Kysely<Database>,
  path: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const report = new ImportReportBuilder('epcicom', path, options, 1);
  const header = await csvHeader(path);
  for (const column of ['siren', 'insee']) if (!header.includes(column)) report.reject(0, column, 'missing column');
  if (report.fileRejected) return report.finish({ accepted: 0, written: false });
  const rows: { row: number; insee: string; siren: string; population: number | null }[] = [];
  for await (const { row, record } of csvRecords(path)) {
    report.read();
    const siren = (record.siren ?? '').trim();
    const insee = (record.insee ?? '').trim();
    const nature = record.nature_juridique;
    if (!sirenPattern.test(siren)) report.reject(row, 'siren', 'not a SIREN', siren);
    if (!inseeCommunePattern.test(insee)) report.reject(row, 'insee', 'not an INSEE commune code', insee);
    if (nature !== undefined && !epciNature(nature))
      report.reject(row, 'nature_juridique', 'not an EPCI à fiscalité propre', nature);
    if (report.isRejected(row)) continue;
    const population = Number.parseInt(record.ptot_2025 ?? record.population ?? '', 10);
    rows.push({ row, insee, siren, population: Number.isFinite(population) ? population : null });
  }
  let counts = { updated: 0, unchanged: 0 };
  let accepted = 0;
  const { written } = await inImportTransaction(db, report, async (trx) => {
    const communes = new Set((await trx.selectFrom('communes').select('insee').execute()).map((c) => c.insee));
    const epci = new Set((await trx.selectFrom('epci').select('siren').execute()).map((e) => e.siren));
    await reportUnmatchedCommunes(
      trx,
      report,
      rows.filter((r) => !communes.has(r.insee)).map((r) => ({ row: r.row, column: 'insee', insee: r.insee })),
    );
    const matched = rows.filter((r) => communes.has(r.insee));
    for (const r of matched)
      if (!epci.has(r.siren))
        report.unmatched(
          r.row,
          'siren',
          r.siren,
          'no such EPCI (not in the loaded boundaries: created or merged since?)',
        );
    const usable = matched.filter((r) => epci.has(r.siren));
    accepted = usable.length;
    for (let i = 0; i < usable.length; i += 5_000) {
      const c = await setCommuneEpci(trx, usable.slice(i, i + 5_000));
      counts = { updated: counts.updated + c.updated, unchanged: counts.unchanged + c.unchanged };
    }
  });
  return report.finish({ accepted, updated: counts.updated, unchanged: counts.unchanged, written });
}
