// Bodies of site and plot writes: the catalogue's clear names (camelCase, as in reads and
// in src/db/schema.ts), validated at the edge. Derived fields are not writable: the EPCI
// comes from the commune, areas from the geometry, versions and dates from the server.
import { z } from '@hono/zod-openapi';
import { polygonalGeometrySchema } from '../geometry/input.js';
import {
  developmentStages,
  landControls,
  landUses,
  marketingStages,
  occupations,
  planningZones,
} from '../plots/vocabulary.js';
import { inseeCommunePattern } from '../territories/codes.js';
import { ownerTypes, siteStates, siteTypes, siteVocations, urbanisationTypes } from '../sites/vocabulary.js';

const isoDate = z.iso.date({ message: 'expected an ISO date YYYY-MM-DD' });
const text = (max = 500) => z.string().trim().min(1).max(max);
const km = z.number().min(0).max(2000);
const url = z.url({ protocol: /^https?$/ });

export const siteInputSchema = z
  .object({
    cnigId: text(80).optional().openapi({ description: 'CNIG site_id; generated when absent' }),
    poleId: text(80).nullable().optional(),
    name: text(200),
    siteType: z.enum(siteTypes),
    mainVocation: z.enum(siteVocations),
    state: z.enum(siteStates),
    usableAreaHa: z.number().min(0).max(100_000),
    communeInsee: z.string().regex(inseeCommunePattern, { message: 'expected an INSEE commune code' }),
    ownerType: z.enum(ownerTypes),
    identifiedOn: isoDate.optional(),
    creationYear: z.number().int().min(1800).max(2100).nullable().optional(),
    producer: text().nullable().optional(),
    description: z.string().max(5000).nullable().optional(),
    territorialLabel: text().nullable().optional(),
    urbanisationType: z.enum(urbanisationTypes).nullable().optional(),
    url: url.nullable().optional(),
    mediaUrl: url.nullable().optional(),
    ownerName: text().nullable().optional(),
    developerName: text().nullable().optional(),
    marketerName: text().nullable().optional(),
    availableAreaHa: z.number().min(0).nullable().optional(),
    reservedAreaHa: z.number().min(0).nullable().optional(),
    vocationIndustrial: z.boolean().nullable().optional(),
    vocationCommercial: z.boolean().nullable().optional(),
    vocationTertiary: z.boolean().nullable().optional(),
    vocationCraft: z.boolean().nullable().optional(),
    vocationTourism: z.boolean().nullable().optional(),
    vocationPort: z.boolean().nullable().optional(),
    vocationAirport: z.boolean().nullable().optional(),
    networkRainwater: z.boolean().nullable().optional(),
    networkDrinkingWater: z.boolean().nullable().optional(),
    networkSewerage: z.boolean().nullable().optional(),
    networkGas: z.boolean().nullable().optional(),
    networkElectricity: z.boolean().nullable().optional(),
    networkFibre: z.boolean().nullable().optional(),
    railSiding: z.boolean().nullable().optional(),
    riverQuay: z.boolean().nullable().optional(),
    publicTransport: z.boolean().nullable().optional(),
    mainRoadName: text().nullable().optional(),
    motorwayName: text().nullable().optional(),
    motorwayInterchangeKm: km.nullable().optional(),
    stationName: text().nullable().optional(),
    stationKm: km.nullable().optional(),
    freightStationName: text().nullable().optional(),
    freightStationKm: km.nullable().optional(),
    airportName: text().nullable().optional(),
    airportKm: km.nullable().optional(),
    portName: text().nullable().optional(),
    portKm: km.nullable().optional(),
    powerMw: z.number().min(0).max(10_000).nullable().optional(),
    maxPlotAreaHa: z.number().min(0).nullable().optional(),
    availableFrom: isoDate.nullable().optional(),
    geometry: polygonalGeometrySchema,
  })
  .strict()
  .openapi('SiteInput');

export const sitePatchSchema = siteInputSchema.partial().strict().openapi('SitePatch');

export const plotInputSchema = z
  .object({
    cnigId: text(80).optional().openapi({ description: 'CNIG terr_id; generated when absent' }),
    siteId: z.uuid(),
    cadastralRefs: z
      .array(
        z.string().regex(/^[0-9]{5}[0-9]{3}[0-9A-Z]{2}[0-9]{4}$/, { message: 'expected a 14-character parcel id' }),
      )
      .max(500)
      .optional(),
    countsInUsableArea: z.boolean().nullable().optional(),
    identifiedOn: isoDate.optional(),
    landControl: z.enum(landControls),
    developmentStage: z.enum(developmentStages),
    marketingStage: z.enum(marketingStages),
    occupation: z.enum(occupations),
    landUse: z.enum(landUses),
    cartofrichesUrl: url.nullable().optional(),
    turnkey: z.boolean().nullable().optional(),
    buyerName: text().nullable().optional(),
    buyerIsNaturalPerson: z.boolean().optional(),
    soldOn: isoDate.nullable().optional(),
    saleAmountEur: z.number().min(0).nullable().optional(),
    priceEurM2: z.number().min(0).max(100_000).nullable().optional(),
    ownerName: text().nullable().optional(),
    ownerIsNaturalPerson: z.boolean().optional(),
    planningZone: z.enum(planningZones).nullable().optional(),
    availableFrom: isoDate.nullable().optional(),
    geometry: polygonalGeometrySchema.optional().openapi({
      description:
        'The outline; when absent, the union of the cadastralRefs parcels (imported with foncier import cadastre)',
    }),
  })
  .strict()
  .openapi('PlotInput');

export const plotPatchSchema = plotInputSchema.omit({ siteId: true }).partial().strict().openapi('PlotPatch');

export type SiteInput = z.infer<typeof siteInputSchema>;
export type SitePatch = z.infer<typeof sitePatchSchema>;
export type PlotInput = z.infer<typeof plotInputSchema>;
export type PlotPatch = z.infer<typeof plotPatchSchema>;
