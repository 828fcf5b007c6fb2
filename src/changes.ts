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

export type ChangeListener = (change: CatalogueChange) => void;

export class ChangeFeed {
  readonly #listeners = new Set<ChangeListener>();

  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(change: CatalogueChange): void {
    for (const listener of this.#listeners) listener(change);
  }
}
