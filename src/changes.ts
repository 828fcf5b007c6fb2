// The change feed: every committed write of a site or plot is published here with its old
// and new geometry, so that caches (the tile cache) can drop exactly what the write touched.
// Writes of other processes arrive here too, over PostgreSQL LISTEN/NOTIFY (change-relay.ts),
// as the boxes of their geometries.
import type { BBox, Geometry } from 'geojson';

export interface CatalogueChange {
  entity: 'site' | 'plot';
  id: string;
  action: 'create' | 'update' | 'delete';
  /** Geometry before the write (absent on create). */
  before: Geometry | null;
  /** Geometry after the write (absent on delete). */
  after: Geometry | null;
}

/** Rows another process wrote (sql/015's notification): the boxes [minX, minY, maxX, maxY] of
 *  their geometries before and after, in EPSG:4326, which is all a tile cache needs. */
export interface RemoteCatalogueChange {
  action: 'remote';
  entity: 'site' | 'plot';
  boxes: BBox[];
  /** The writer's application_name. */
  from: string;
}

/** Many rows changed at once (a bulk import): caches start afresh. */
export interface CatalogueReset {
  action: 'reset';
  reason: string;
}

export type CatalogueEvent = CatalogueChange | RemoteCatalogueChange | CatalogueReset;

export type ChangeListener = (event: CatalogueEvent) => void;

export class ChangeFeed {
  readonly #listeners = new Set<ChangeListener>();

  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(event: CatalogueEvent): void {
    for (const listener of this.#listeners) listener(event);
  }

  reset(reason: string): void {
    this.publish({ action: 'reset', reason });
  }
}
