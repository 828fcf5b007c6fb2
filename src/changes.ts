// The change feed: every committed write of a site or plot is published here with its old
// and new geometry, so that caches (the tile cache) can drop exactly what the write touched.
import type { Geometry } from 'geojson';

export interface CatalogueChange {
  entity: 'site' | 'plot';
  id: string;
  action: 'create' | 'update' | 'delete';
  /** Geometry before the write (absent on create). */
  before: Geometry | null;
  /** Geometry after the write (absent on delete). */
  after: Geometry | null;
}

/** Many rows changed at once (a bulk import): caches start afresh. */
export interface CatalogueReset {
  action: 'reset';
  reason: string;
}

export type CatalogueEvent = CatalogueChange | CatalogueReset;

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
