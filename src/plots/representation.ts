// The JSON shape of a plot (CNIG terrain-eco), and the one place where personal data is
// withheld: the name of a natural person (buyer or owner) is returned to admins only;
// legal entities are shown to everyone.
import { z } from '@hono/zod-openapi';
import { bboxSchema, geometrySchema } from '../http/schemas.js';
import { round } from '../round.js';
import type { PlotCheck } from '../quality/checks.js';
import { plotCheckSchema } from '../quality/representation.js';
import type { PlotRow } from './repository.js';

import { canSeePersonalData, type Viewer } from '../auth/viewer.js';

const partySchema = z
  .object({ name: z.string().nullable(), naturalPerson: z.boolean(), withheld: z.boolean() })
  .openapi('Party', { description: 'A buyer or owner; the name of a natural person is withheld except for admins' });

function party(name: string | null, naturalPerson: boolean, viewer: Viewer) {
  const withheld = name !== null && naturalPerson && !canSeePersonalData(viewer);
  return { name: withheld ? null : name, naturalPerson, withheld };
}

export const plotSchema = z
  .object({
    id: z.string(),
    cnigId: z.string().openapi({ description: 'CNIG terr_id' }),
    site: z.object({ id: z.string(), cnigId: z.string(), name: z.string() }),
    commune: z.object({ insee: z.string(), name: z.string().nullable() }).nullable(),
    cadastralRefs: z.array(z.string()).openapi({ description: 'CNIG terr_refcad: 14-character parcel ids' }),
    areaHa: z.number().openapi({ description: 'Area of the geometry on the ellipsoid, hectares' }),
    grossAreaHa: z.number().openapi({ description: 'CNIG terr_surf_brute as declared' }),
    countsInUsableArea: z.boolean().nullable(),
    landControl: z.string(),
    developmentStage: z.string(),
    marketingStage: z.string(),
    occupation: z.string(),
    landUse: z.string(),
    planningZone: z.string().nullable(),
    turnkey: z.boolean().nullable(),
    priceEurM2: z.number().nullable(),
    availableFrom: z.string().nullable(),
    cartofrichesUrl: z.string().nullable(),
    sale: z.object({ buyer: partySchema, soldOn: z.string().nullable(), amountEur: z.number().nullable() }),
    owner: partySchema,
    point: geometrySchema.nullable(),
    bbox: bboxSchema.nullable(),
    dates: z.object({ identifiedOn: z.string(), updatedOn: z.string() }),
    checks: z.array(plotCheckSchema).openapi({
      description:
        'Quality checks the plot fails: declared area off the drawn one by more than 10 %, cadastral parcels of another commune (quality/checks.ts)',
    }),
    version: z.number().int(),
    geometry: geometrySchema,
  })
  .openapi('Plot');

export type PlotJson = z.infer<typeof plotSchema>;

export function toPlotJson(p: PlotRow, viewer: Viewer, checks: PlotCheck[]): PlotJson {
  return {
    id: p.id,
    cnigId: p.cnigId,
    site: { id: p.siteId, cnigId: p.siteCnigId, name: p.siteName },
    commune: p.communeInsee ? { insee: p.communeInsee, name: p.communeName } : null,
    cadastralRefs: p.cadastralRefs,
    areaHa: round(p.areaHa, 4),
    grossAreaHa: p.grossAreaHa,
    countsInUsableArea: p.countsInUsableArea,
    landControl: p.landControl,
    developmentStage: p.developmentStage,
    marketingStage: p.marketingStage,
    occupation: p.occupation,
    landUse: p.landUse,
    planningZone: p.planningZone,
    turnkey: p.turnkey,
    priceEurM2: p.priceEurM2,
    availableFrom: p.availableFrom,
    cartofrichesUrl: p.cartofrichesUrl,
    sale: { buyer: party(p.buyerName, p.buyerIsNaturalPerson, viewer), soldOn: p.soldOn, amountEur: p.saleAmountEur },
    owner: party(p.ownerName, p.ownerIsNaturalPerson, viewer),
    point: p.point as PlotJson['geometry'],
    bbox: p.bbox as number[] | null,
    dates: { identifiedOn: p.identifiedOn, updatedOn: p.updatedOn },
    checks,
    version: p.version,
    geometry: p.geometry as PlotJson['geometry'],
  };
}
