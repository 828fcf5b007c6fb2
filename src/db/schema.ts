// The Kysely `Database`: one interface per table, camelCase in TypeScript,
// snake_case in SQL (CamelCasePlugin maps them once, at the driver boundary).
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { Role } from '../auth/viewer.js';

/** A camelCase TypeScript name as its snake_case SQL name (what CamelCasePlugin does). */
export const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);

/** A PostGIS geometry column: written from an SQL expression, read as GeoJSON via ST_AsGeoJSON. */
export type Geometry = ColumnType<unknown, unknown, unknown>;
/** Columns computed by the database (GENERATED ALWAYS). */
export type Computed<T> = ColumnType<T, never, never>;
/** `date` columns travel as ISO strings (YYYY-MM-DD); see the type parsers in open.ts. */
export type IsoDate = string;

export interface EpciTable {
  siren: string;
  name: string;
  nature: 'CA' | 'CC' | 'CU' | 'METRO' | 'EPT' | 'COM';
  geom: Geometry;
  areaHa: Computed<number>;
}

export interface CommuneTable {
  insee: string;
  name: string;
  department: string;
  epciSiren: string | null;
  population: number | null;
  geom: Geometry;
  areaHa: Computed<number>;
}

export interface TerritoryTable {
  id: string;
  name: string;
  regionCode: string;
  regionName: string;
  phases: string[];
  rebondIndustriel: Generated<boolean>;
  rebondDate: IsoDate | null;
  geom: Geometry | null;
  areaHa: Computed<number | null>;
}

export interface TerritoryEpciTable {
  territoryId: string;
  epciSiren: string;
}

export interface SiteTable {
  id: string;
  cnigId: string;
  poleId: string | null;
  name: string;
  siteType: string;
  mainVocation: string;
  state: string;
  grossAreaHa: number;
  usableAreaHa: number;
  creationYear: number | null;
  identifiedOn: IsoDate;
  updatedOn: IsoDate;
  producer: string | null;
  description: string | null;
  territorialLabel: string | null;
  urbanisationType: string | null;
  url: string | null;
  epciSiren: string;
  communeInsee: string;
  ownerType: string;
  ownerName: string | null;
  developerName: string | null;
  marketerName: string | null;
  landUnitsCount: number | null;
  vacantLandUnitsCount: number | null;
  vacancyRate: number | null;
  builtLandUnitsCount: number | null;
  establishmentsCount: number | null;
  jobsCount: number | null;
  geom: Geometry;
  mediaUrl: string | null;
  availableAreaHa: number | null;
  reservedAreaHa: number | null;
  vocationIndustrial: boolean | null;
  vocationCommercial: boolean | null;
  vocationTertiary: boolean | null;
  vocationCraft: boolean | null;
  vocationTourism: boolean | null;
  vocationPort: boolean | null;
  vocationAirport: boolean | null;
  networkRainwater: boolean | null;
  networkDrinkingWater: boolean | null;
  networkSewerage: boolean | null;
  networkGas: boolean | null;
  networkElectricity: boolean | null;
  networkFibre: boolean | null;
  railSiding: boolean | null;
  riverQuay: boolean | null;
  publicTransport: boolean | null;
  mainRoadName: string | null;
  motorwayName: string | null;
  motorwayInterchangeKm: number | null;
  stationName: string | null;
  stationKm: number | null;
  freightStationName: string | null;
  freightStationKm: number | null;
  airportName: string | null;
  airportKm: number | null;
  portName: string | null;
  portKm: number | null;
  powerMw: number | null;
  maxPlotAreaHa: number | null;
  availableFrom: IsoDate | null;
  turnkeyProgramme: string | null;
  labelStatus: string | null;
  labelDate: IsoDate | null;
  /** The offer an investor reads (sql/012): from the live plots for sale, or as declared without plots. */
  offerSource: Computed<'plots' | 'declared'>;
  offerMaxPlotAreaHa: Computed<number | null>;
  offerAvailableAreaHa: Computed<number | null>;
  offerAvailableFrom: Computed<IsoDate | null>;
  offerPriceEurM2: Computed<number | null>;
  areaHa: Computed<number>;
  version: Generated<number>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
  deletedAt: Date | null;
}

export interface PlotTable {
  id: string;
  cnigId: string;
  siteId: string;
  cadastralRefs: Generated<string[]>;
  grossAreaHa: number;
  countsInUsableArea: boolean | null;
  identifiedOn: IsoDate;
  updatedOn: IsoDate;
  landControl: string;
  developmentStage: string;
  marketingStage: string;
  occupation: string;
  landUse: string;
  cartofrichesUrl: string | null;
  geom: Geometry;
  turnkey: boolean | null;
  buyerName: string | null;
  buyerIsNaturalPerson: Generated<boolean>;
  soldOn: IsoDate | null;
  saleAmountEur: number | null;
  priceEurM2: number | null;
  ownerName: string | null;
  ownerIsNaturalPerson: Generated<boolean>;
  planningZone: 'U' | 'AU' | 'A' | 'N' | null;
  availableFrom: IsoDate | null;
  communeInsee: string | null;
  areaHa: Computed<number>;
  version: Generated<number>;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
  deletedAt: Date | null;
}

export interface ApiKeyTable {
  id: string;
  name: string;
  role: Role;
  territories: Generated<string[]>;
  keyHash: string;
  keyPrefix: string;
  createdAt: Generated<Date>;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: Generated<Date>;
  actorKeyId: string | null;
  actorName: string;
  actorRole: string;
  action:
    | 'create'
    | 'update'
    | 'delete'
    | 'label_transition'
    | 'label_assessment'
    | 'label_document'
    | 'label_comment'
    | 'label_flag_override';
  entity: 'site' | 'plot';
  entityId: string;
  before: unknown;
  after: unknown;
  reason: string | null;
}

export interface LabellingGridTable {
  version: string;
  title: string;
  publishedOn: IsoDate;
  criteria: unknown;
}

export interface LabelAssessmentTable {
  siteId: string;
  gridVersion: string;
  criterionId: string;
  status: 'met' | 'not_met' | 'not_applicable';
  evidence: unknown;
  comment: string | null;
  assessedAt: Generated<Date>;
  assessedBy: string;
  /** 013: the assessor's key (the four-eyes rule compares keys). */
  assessedByKeyId: string | null;
}

// 013_labelling_workspace: dossiers, flag overrides, evidence documents, comments.
export interface LabelDossierTable {
  siteId: string;
  gridVersion: string;
  openedAt: Generated<Date>;
}

export interface LabelFlagOverrideTable {
  siteId: string;
  gridVersion: string;
  criterionId: string;
  flag: string;
  reason: string;
  byKeyId: string | null;
  byName: string;
  at: Generated<Date>;
}

export interface LabelDocumentTable {
  id: string;
  siteId: string;
  gridVersion: string;
  criterionId: string;
  kind: string;
  version: number;
  fileName: string;
  mediaType: 'application/pdf' | 'image/png' | 'image/jpeg' | 'image/webp';
  sizeBytes: number;
  sha256: string;
  content: Uint8Array;
  issuer: string;
  issuedOn: IsoDate;
  reference: string | null;
  uploadedByKeyId: string | null;
  uploadedBy: string;
  uploadedAt: Generated<Date>;
}

export interface LabelCommentTable {
  id: Generated<number>;
  siteId: string;
  criterionId: string | null;
  body: string;
  authorKeyId: string | null;
  authorName: string;
  at: Generated<Date>;
}

// 005_exchange: open-data imports.
export interface RegionTable {
  code: string;
  name: string;
  geom: Geometry | null;
}

export interface DepartmentTable {
  code: string;
  name: string;
  regionCode: string | null;
  geom: Geometry | null;
}

export interface ParcelTable {
  id: string;
  communeInsee: string;
  prefix: string;
  section: string;
  number: string;
  registeredAreaM2: number | null;
  createdOn: IsoDate | null;
  updatedOn: IsoDate | null;
  geom: Geometry;
}

export interface ImportRunTable {
  id: string;
  kind: string;
  source: string;
  dryRun: boolean;
  partial: boolean;
  /**
   * 'failed' (sql/009): the importer stopped before it could report; `error` says why.
   * 'running' (sql/011): written when the import starts; a killed one becomes 'failed', 'interrupted'.
   */
  status: 'running' | 'committed' | 'rolled_back' | 'dry_run' | 'failed';
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  report: unknown;
  error: string | null;
  startedAt: Date;
  /** Null while running. */
  finishedAt: Date | null;
  /** The process running the import (sql/011): hostname and pid. */
  host: string | null;
  pid: number | null;
}

// ZAN reference data (sql/004_zan.sql).
export interface CommuneConsumptionTable {
  insee: string;
  year: number;
  nafM2: number;
  activityM2: number;
  housingM2: number;
  mixedM2: number;
  roadM2: number;
  railM2: number;
  unknownM2: number;
  vintage: string;
  provisional: Generated<boolean>;
  source: string;
}

export interface LandCoverTable {
  id: Generated<number>;
  geom: Geometry;
  artificial: boolean;
  coverCode: string | null;
  useCode: string | null;
  vintage: string;
  source: string;
  /** From the OCS GE matrix (sql/010); null for rows classified by their own flag. */
  consumed: boolean | null;
  naf: boolean | null;
  /** 'flag' or 'ocsge-matrix:<version>'. */
  classifiedBy: Generated<string>;
}

/** The OCS GE cover × use matrix (sql/010), one row per published version and pair. */
export interface OcsgeCoverUseMatrixTable {
  version: string;
  coverCode: string;
  useCode: string;
  label: 'ARTIF' | 'ARTIF_NOT_CONSU' | 'CONSU' | 'NAF' | 'NONE';
  isArtificial: boolean;
  isConsumed: boolean;
  isNatural: boolean;
}

export interface BrownfieldTable {
  id: string;
  name: string | null;
  siteType: string | null;
  status: string | null;
  communeInsee: string | null;
  surfaceM2: number | null;
  geom: Geometry;
  geomApproximate: Generated<boolean>;
  sourceName: string | null;
  sourceProducer: string | null;
  vintage: string;
}

export interface PenePerimeterTable {
  id: string;
  name: string;
  legalRef: string | null;
  geom: Geometry;
  vintage: string;
  source: string;
}

export interface ZanReductionTargetTable {
  landKind: 'commune' | 'epci';
  landCode: string;
  reductionRate: number;
  document: string;
  source: string;
}

/** A commune's planning document and where it stands (sql/014_planning_documents.sql). */
export interface CommunePlanningDocumentTable {
  insee: string;
  status: 'prescribed' | 'decided' | 'approved' | 'none';
  /** ISO date; the pg driver is set to hand dates back as text. */
  statusOn: string | null;
  document: string | null;
  source: string;
  updatedAt: Generated<Date>;
}

/** Version of the ZAN reference layers, bumped by triggers (sql/007_zan_cache.sql). */
export interface ZanReferenceVersionTable {
  singleton: Generated<boolean>;
  version: number;
}

/** Rule-independent ZAN areas of a plot in m², measured at plotVersion and referenceVersion. */
export interface ZanPlotMeasureTable {
  plotId: string;
  plotVersion: number;
  referenceVersion: number;
  areaM2: number;
  nafM2: number;
  brownfieldM2: number;
  nafOnBrownfieldM2: number;
  peneM2: number;
  nafInPeneM2: number;
  measuredAt: Generated<Date>;
}

export interface Database {
  regions: RegionTable;
  departments: DepartmentTable;
  parcels: ParcelTable;
  importRuns: ImportRunTable;
  apiKeys: ApiKeyTable;
  auditLog: AuditLogTable;
  labellingGrids: LabellingGridTable;
  labelAssessments: LabelAssessmentTable;
  labelDossiers: LabelDossierTable;
  labelFlagOverrides: LabelFlagOverrideTable;
  labelDocuments: LabelDocumentTable;
  labelComments: LabelCommentTable;
  epci: EpciTable;
  communes: CommuneTable;
  territories: TerritoryTable;
  territoryEpci: TerritoryEpciTable;
  sites: SiteTable;
  plots: PlotTable;
  communeConsumption: CommuneConsumptionTable;
  landCover: LandCoverTable;
  ocsgeCoverUseMatrix: OcsgeCoverUseMatrixTable;
  brownfields: BrownfieldTable;
  penePerimeters: PenePerimeterTable;
  zanReductionTargets: ZanReductionTargetTable;
  communePlanningDocuments: CommunePlanningDocumentTable;
  zanReferenceVersion: ZanReferenceVersionTable;
  zanPlotMeasures: ZanPlotMeasureTable;
}

export type Epci = Selectable<EpciTable>;
export type Commune = Selectable<CommuneTable>;
export type Territory = Selectable<TerritoryTable>;
export type Site = Selectable<SiteTable>;
export type NewSite = Insertable<SiteTable>;
export type SiteUpdate = Updateable<SiteTable>;
export type Plot = Selectable<PlotTable>;
export type NewPlot = Insertable<PlotTable>;
export type PlotUpdate = Updateable<PlotTable>;
