// The OCS GE cover × use matrix (sql/010_ocsge_matrix.sql, from MTES-MCT/sparte, MIT): whether
// land of a cover code (CS…) and a use code (US…) is artificialised, consumed or NAF. The land
// cover importer classifies rows that carry only the two codes with it. A pair the matrix
// does not classify is an answer too, with its reason: never a silent "not artificial".
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** sparte's labels: ARTIF_NOT_CONSU is artificialised land not counted as consumed (farm buildings). */
export type MatrixLabel = 'ARTIF' | 'ARTIF_NOT_CONSU' | 'CONSU' | 'NAF' | 'NONE';

export interface CoverUseClass {
  label: Exclude<MatrixLabel, 'NONE'>;
  artificial: boolean;
  consumed: boolean;
  /** NAF land (naturel, agricole ou forestier): sparte's is_natural. */
  naf: boolean;
}

export interface MatrixRow {
  coverCode: string;
  useCode: string;
  label: MatrixLabel;
  isArtificial: boolean;
  isConsumed: boolean;
  isNatural: boolean;
}

export type Classification =
  | { ok: true; value: CoverUseClass }
  /** `code`: which code is at fault; `pair` when both are known but not classified together. */
  | { ok: false; code: 'cover' | 'use' | 'pair'; reason: string };

/** OCS GE codes as files write them: 'CS1.1.1.1', sometimes lower case or padded. */
export const normaliseOcsgeCode = (code: string) => code.trim().toUpperCase();

export class CoverUseMatrix {
  private readonly pairs = new Map<string, MatrixRow>();
  private readonly covers = new Set<string>();
  private readonly uses = new Set<string>();

  constructor(
    readonly version: string,
    rows: MatrixRow[],
  ) {
    for (const r of rows) {
      this.pairs.set(`${r.coverCode}|${r.useCode}`, r);
      this.covers.add(r.coverCode);
      this.uses.add(r.useCode);
    }
  }

  /** What `land_cover.classified_by` records for rows this matrix classified. */
  get classifiedBy(): string {
    return `ocsge-matrix:${this.version}`;
  }

  get size(): number {
    return this.pairs.size;
  }

  classify(cover: string, use: string): Classification {
    const cs = normaliseOcsgeCode(cover);
    const us = normaliseOcsgeCode(use);
    if (!this.covers.has(cs))
      return {
        ok: false,
        code: 'cover',
        reason: `not a cover code (CS…) of the OCS GE nomenclature (matrix ${this.version})`,
      };
    if (!this.uses.has(us))
      return {
        ok: false,
        code: 'use',
        reason: `not a use code (US…) of the OCS GE nomenclature (matrix ${this.version})`,
      };
    const row = this.pairs.get(`${cs}|${us}`);
    if (!row)
      return { ok: false, code: 'pair', reason: `cover × use pair absent from the OCS GE matrix ${this.version}` };
    if (row.label === 'NONE') {
      // "Non renseigné" in sparte: parent codes and pairs it does not rule on.
      return {
        ok: false,
        code: 'pair',
        reason:
          `cover × use pair not classified by the OCS GE matrix ${this.version} (NONE); ` +
          'give an artificialised flag',
      };
    }
    return {
      ok: true,
      value: { label: row.label, artificial: row.isArtificial, consumed: row.isConsumed, naf: row.isNatural },
    };
  }
}

/** The latest matrix held; throws when none is (the migration has not run). */
export async function loadCoverUseMatrix(db: Kysely<Database>): Promise<CoverUseMatrix> {
  const { rows } = await sql<MatrixRow & { version: string }>`
    SELECT version, cover_code, use_code, label, is_artificial, is_consumed, is_natural
    FROM ocsge_cover_use_matrix
    WHERE version = (SELECT max(version) FROM ocsge_cover_use_matrix)
    ORDER BY cover_code, use_code`.execute(db);
  if (rows.length === 0) throw new Error('no OCS GE cover × use matrix in the database (sql/010_ocsge_matrix.sql)');
  return new CoverUseMatrix(rows[0]!.version, rows);
}
