// The import report every importer returns: rows read, written, and every rejected row with
// its number, column and reason, and the warnings of rows kept (a plot's quality checks).
// Imports are all-or-nothing by default: one rejected row and nothing is written; `partial`
// writes the valid rows; `dryRun` validates and writes nothing.
import { basename } from 'node:path';

export interface RowRejection {
  /** 1-based data row (feature index for GeoJSON); 0 for the header or the file itself. */
  row: number;
  /** Line in a CSV file (header is line 1); absent for other formats. */
  line?: number;
  column: string | null;
  value: string | null;
  reason: string;
  /** A warning's check (quality/checks.ts: declared_area, parcel_commune), for pages to word it. */
  check?: string;
}

/** A code that matches nothing we hold (e.g. a 2018 commune merged since): reported, not dropped. */
export interface UnmatchedCode {
  row: number;
  column: string;
  code: string;
  reason: string;
}

export interface ImportOptions {
  dryRun?: boolean;
  /** Write the valid rows even when some are rejected. */
  partial?: boolean;
  /** The vintage of the data (e.g. 'cerema-2024'), when the file does not say. */
  vintage?: string;
  /** The SRID of the file's coordinates, when it cannot be detected (default: by range). */
  srid?: number;
  /**
   * Secondary indexes during a large load (CNIG imports): `auto` rebuilds them once at the
   * end when the file is large next to the table (readers wait meanwhile), `keep` maintains
   * them row by row, `rebuild` always rebuilds them and the foreign keys. See
   * importers/bulk-load.ts.
   */
  indexes?: 'auto' | 'keep' | 'rebuild';
  onProgress?: (rowsRead: number) => void;
  /** Each phase of a CNIG import as it ends, with its milliseconds (the import bench prints them). */
  onPhase?: (phase: string, ms: number) => void;
  /**
   * CNIG imports by an editor: the key's territories. A row outside them (or updating a stored
   * row outside them) is rejected with the reason; nothing outside is touched.
   */
  scope?: string[];
}

export interface ImportReport {
  kind: string;
  file: string;
  dryRun: boolean;
  mode: 'all-or-nothing' | 'partial';
  rowsRead: number;
  accepted: number;
  inserted: number;
  updated: number;
  /** Rows that matched a stored row exactly and were left alone. */
  unchanged: number;
  written: boolean;
  vintages: string[];
  rejected: RowRejection[];
  /** Rows kept but worth a look (terrain-eco: quality/checks.ts), in the shape of a rejection. */
  warnings: RowRejection[];
  unmatched: UnmatchedCode[];
  /** CNIG imports: whether the table's indexes were rebuilt once (a bulk load) or maintained. */
  indexesRebuilt?: boolean;
}

const MAX_VALUE_LENGTH = 80;

export class ImportReportBuilder {
  readonly rejected: RowRejection[] = [];
  readonly warnings: RowRejection[] = [];
  readonly unmatchedCodes: UnmatchedCode[] = [];
  rowsRead = 0;
  private readonly rejectedRows = new Set<number>();

  constructor(
    readonly kind: string,
    readonly file: string,
    readonly options: ImportOptions,
    private readonly lineOffset: number | null = null,
  ) {}

  private entry(row: number, column: string | null, reason: string, value?: unknown): RowRejection {
    const text = value === undefined || value === null ? null : String(value).slice(0, MAX_VALUE_LENGTH);
    return { row, ...(this.lineOffset !== null ? { line: row + this.lineOffset } : {}), column, value: text, reason };
  }

  reject(row: number, column: string | null, reason: string, value?: unknown): void {
    this.rejected.push(this.entry(row, column, reason, value));
    this.rejectedRows.add(row);
  }

  /** A row written (or that would be) with something to check: it does not stop the import. */
  warn(row: number, column: string | null, reason: string, value: unknown, check: string): void {
    this.warnings.push({ ...this.entry(row, column, reason, value), check });
  }

  unmatched(row: number, column: string, code: string, reason: string): void {
    this.unmatchedCodes.push({ row, column, code, reason });
  }

  isRejected(row: number): boolean {
    return this.rejectedRows.has(row);
  }

  /** A rejection of the file as a whole (header, format) makes even a partial import stop. */
  get fileRejected(): boolean {
    return this.rejectedRows.has(0);
  }

  read(count = 1): void {
    this.rowsRead += count;
    this.options.onProgress?.(this.rowsRead);
  }

  get shouldWrite(): boolean {
    if (this.options.dryRun || this.fileRejected) return false;
    return this.options.partial === true || this.rejected.length === 0;
  }

  finish(counts: {
    accepted: number;
    inserted?: number;
    updated?: number;
    unchanged?: number;
    written: boolean;
    vintages?: string[];
    indexesRebuilt?: boolean;
  }): ImportReport {
    return {
      kind: this.kind,
      file: basename(this.file),
      dryRun: this.options.dryRun === true,
      mode: this.options.partial ? 'partial' : 'all-or-nothing',
      rowsRead: this.rowsRead,
      accepted: counts.accepted,
      inserted: counts.inserted ?? 0,
      updated: counts.updated ?? 0,
      unchanged: counts.unchanged ?? 0,
      written: counts.written,
      vintages: counts.vintages ?? [],
      rejected: [...this.rejected].sort((a, b) => a.row - b.row),
      warnings: [...this.warnings].sort((a, b) => a.row - b.row),
      unmatched: this.unmatchedCodes,
      ...(counts.indexesRebuilt !== undefined ? { indexesRebuilt: counts.indexesRebuilt } : {}),
    };
  }
}

/** One line per rejection, as the CLI prints them. */
export function formatRejection(r: RowRejection): string {
  const where = r.row === 0 ? 'file' : r.line !== undefined ? `row ${r.row} (line ${r.line})` : `feature ${r.row}`;
  const column = r.column ? `, column ${r.column}` : '';
  const value = r.value !== null ? ` (${JSON.stringify(r.value)})` : '';
  return `${where}${column}: ${r.reason}${value}`;
}

export function formatReport(report: ImportReport): string {
  const state = report.dryRun
    ? 'dry run, nothing written'
    : report.written
      ? 'written'
      : 'NOT written (rejected rows; use --partial to write the valid ones)';
  const lines = [
    `${report.kind} ${report.file}: ${report.rowsRead} rows read, ${report.accepted} accepted, ` +
      `${report.inserted} inserted, ${report.updated} updated, ${report.unchanged} unchanged, ` +
      `${report.rejected.length} rejected; ${state}`,
    ...report.rejected.map(formatRejection),
    ...report.warnings.map((w) => `warning: ${formatRejection(w)}`),
    ...(report.unmatched.length > 0
      ? [
          `${report.unmatched.length} unmatched codes:`,
          ...report.unmatched.map((u) => `row ${u.row}, column ${u.column}: ${u.code} ${u.reason}`),
        ]
      : []),
    ...(report.indexesRebuilt ? ["bulk load: the table's indexes were rebuilt once and the table analysed"] : []),
  ];
  return lines.join('\n');
}
