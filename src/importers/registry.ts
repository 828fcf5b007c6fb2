// The importers the CLI's `import <kind> <file>` can run, by kind. Each reads a file, checks
// every row, and returns an ImportReport; add a kind here to make it reachable from the CLI.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { importBoundaries } from './admin-boundaries.js';
import { importBrownfields } from './brownfields.js';
import { importCadastre } from './cadastre.js';
import { importCnig } from './cnig-sites-economiques.js';
import { importCeremaConsumption } from './cerema-consumption.js';
import type { ImportOptions, ImportReport } from './import-report.js';
import { importLandCover } from './land-cover.js';
import { importPene } from './pene.js';
import { importPlanningDocuments } from './planning-documents.js';
import { importEpcicom, importTerritories } from './territories-industrie.js';
import { importZanTargets } from './zan-targets.js';

export type Importer = (db: Kysely<Database>, path: string, options: ImportOptions) => Promise<ImportReport>;

export const importers: Record<string, Importer> = {
  'cerema-consumption': importCeremaConsumption,
  'land-cover': importLandCover,
  brownfields: importBrownfields,
  pene: importPene,
  'zan-targets': importZanTargets,
  'planning-documents': importPlanningDocuments,
  epci: (db, path, options) => importBoundaries(db, 'epci', path, options),
  communes: (db, path, options) => importBoundaries(db, 'communes', path, options),
  departments: (db, path, options) => importBoundaries(db, 'departments', path, options),
  regions: (db, path, options) => importBoundaries(db, 'regions', path, options),
  epcicom: importEpcicom,
  territories: importTerritories,
  cadastre: importCadastre,
  'site-eco': (db, path, options) => importCnig(db, 'site-eco', path, options),
  'terrain-eco': (db, path, options) => importCnig(db, 'terrain-eco', path, options),
};
