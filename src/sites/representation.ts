// The JSON shape of a site: CNIG site-eco fields grouped the way an investor reads them.
import { z } from '@hono/zod-openapi';
import { bboxSchema, geometrySchema } from '../http/schemas.js';
import { round } from '../round.js';
import type { SiteRow } from './repository.js';

const yesNo = z.boolean().nullable();

export const siteSchema = z
  .object({
    id: z.string(),
    cnigId: z.string().openapi({ description: 'CNIG site_id' }),
    poleId: z.string().nullable(),
    name: z.string(),
    siteType: z.string().openapi({ description: 'CNIG site_type' }),
    mainVocation: z.string().openapi({ description: 'CNIG site_vocadomi' }),
    state: z.string().openapi({ description: 'CNIG site_etat' }),
    description: z.string().nullable(),
    url: z.string().nullable(),
    mediaUrl: z.string().nullable(),
    territorialLabel: z.string().nullable(),
    urbanisationType: z.string().nullable(),
    location: z.object({
      epci: z.object({ siren: z.string(), name: z.string() }),
      commune: z.object({ insee: z.string(), name: z.string(), department: z.string() }),
      territories: z.array(z.object({ id: z.string(), name: z.string() })),
      point: geometrySchema.nullable(),
      bbox: bboxSchema.nullable(),
    }),
    areas: z.object({
      areaHa: z.number().openapi({ description: 'Area of the perimeter on the ellipsoid, hectares' }),
      grossAreaHa: z.number().openapi({ description: 'CNIG site_surf_brute as declared' }),
      usableAreaHa: z.number(),
      availableAreaHa: z.number().nullable().openapi({
        description: 'Area of the plots for sale, hectares (availabilitySource plots); else CNIG site_surf_comm_dispo',
      }),
      declaredAvailableAreaHa: z
        .number()
        .nullable()
        .openapi({ description: 'CNIG site_surf_comm_dispo as the site declares it' }),
      reservedAreaHa: z.number().nullable(),
      maxPlotAreaHa: z
        .number()
        .nullable()
        .openapi({ description: 'Largest plot for sale, hectares (availabilitySource plots); else as declared' }),
    }),
    availabilitySource: z.enum(['plots', 'declared']).openapi({
      description:
        'Where maxPlotAreaHa, availableAreaHa, availableFrom and lowestPriceEurM2 come from: ' +
        'the plots for sale of a site that has plots, or what a site without plots declares',
    }),
    lowestPriceEurM2: z.number().nullable().openapi({ description: 'Lowest price of the plots for sale, EUR/m²' }),
    plots: z.object({
      count: z.number().int(),
      areaHa: z.number(),
      availableCount: z.number().int(),
      availableAreaHa: z.number(),
      largestAvailableHa: z.number().nullable(),
    }),
    management: z.object({
      ownerType: z.string(),
      ownerName: z.string().nullable(),
      developerName: z.string().nullable(),
      marketerName: z.string().nullable(),
      producer: z.string().nullable(),
    }),
    occupancy: z.object({
      landUnits: z.number().nullable(),
      vacantLandUnits: z.number().nullable(),
      vacancyRate: z.number().nullable(),
      builtLandUnits: z.number().nullable(),
      establishments: z.number().nullable(),
      jobs: z.number().nullable(),
    }),
    vocations: z.object({
      industrial: yesNo,
      commercial: yesNo,
      tertiary: yesNo,
      craft: yesNo,
      tourism: yesNo,
      port: yesNo,
      airport: yesNo,
    }),
    utilities: z.object({
      electricity: yesNo,
      powerMw: z.number().nullable(),
      gas: yesNo,
      drinkingWater: yesNo,
      sewerage: yesNo,
      rainwater: yesNo,
      fibre: yesNo,
    }),
    access: z.object({
      railSiding: yesNo,
      riverQuay: yesNo,
      publicTransport: yesNo,
      mainRoad: z.string().nullable(),
      motorway: z.object({ name: z.string().nullable(), interchangeKm: z.number().nullable() }),
      station: z.object({ name: z.string().nullable(), km: z.number().nullable() }),
      freightStation: z.object({ name: z.string().nullable(), km: z.number().nullable() }),
      airport: z.object({ name: z.string().nullable(), km: z.number().nullable() }),
      port: z.object({ name: z.string().nullable(), km: z.number().nullable() }),
    }),
    turnkey: z.object({
      programme: z.string().nullable(),
      labelStatus: z.string().nullable(),
      labelDate: z.string().nullable(),
    }),
    availableFrom: z.string().nullable().openapi({
      description: 'Earliest availability of the plots for sale (availabilitySource plots); else as declared',
    }),
    dates: z.object({ creationYear: z.number().nullable(), identifiedOn: z.string(), updatedOn: z.string() }),
    version: z.number().int(),
    geometry: geometrySchema,
  })
  .openapi('Site');

export type SiteJson = z.infer<typeof siteSchema>;

export function toSiteJson(s: SiteRow): SiteJson {
  return {
    id: s.id,
    cnigId: s.cnigId,
    poleId: s.poleId,
    name: s.name,
    siteType: s.siteType,
    mainVocation: s.mainVocation,
    state: s.state,
    description: s.description,
    url: s.url,
    mediaUrl: s.mediaUrl,
    territorialLabel: s.territorialLabel,
    urbanisationType: s.urbanisationType,
    location: {
      epci: { siren: s.epciSiren, name: s.epciName },
      commune: { insee: s.communeInsee, name: s.communeName, department: s.department },
      territories: s.territories,
      point: s.point as SiteJson['geometry'],
      bbox: s.bbox as number[] | null,
    },
    areas: {
      areaHa: round(s.areaHa, 2) ?? 0,
      grossAreaHa: s.grossAreaHa,
      usableAreaHa: s.usableAreaHa,
      availableAreaHa: round(s.offerAvailableAreaHa, 2),
      declaredAvailableAreaHa: s.availableAreaHa,
      reservedAreaHa: s.reservedAreaHa,
      maxPlotAreaHa: round(s.offerMaxPlotAreaHa, 2),
    },
    availabilitySource: s.offerSource,
    lowestPriceEurM2: s.offerPriceEurM2,
    plots: {
      count: s.plotStats.count,
      areaHa: round(s.plotStats.areaHa, 2) ?? 0,
      availableCount: s.plotStats.availableCount,
      availableAreaHa: round(s.plotStats.availableAreaHa, 2) ?? 0,
      largestAvailableHa: round(s.plotStats.largestAvailableHa, 2),
    },
    management: {
      ownerType: s.ownerType,
      ownerName: s.ownerName,
      developerName: s.developerName,
      marketerName: s.marketerName,
      producer: s.producer,
    },
    occupancy: {
      landUnits: s.landUnitsCount,
      vacantLandUnits: s.vacantLandUnitsCount,
      vacancyRate: s.vacancyRate,
      builtLandUnits: s.builtLandUnitsCount,
      establishments: s.establishmentsCount,
      jobs: s.jobsCount,
    },
    vocations: {
      industrial: s.vocationIndustrial,
      commercial: s.vocationCommercial,
      tertiary: s.vocationTertiary,
      craft: s.vocationCraft,
      tourism: s.vocationTourism,
      port: s.vocationPort,
      airport: s.vocationAirport,
    },
    utilities: {
      electricity: s.networkElectricity,
      powerMw: s.powerMw,
      gas: s.networkGas,
      drinkingWater: s.networkDrinkingWater,
      sewerage: s.networkSewerage,
      rainwater: s.networkRainwater,
      fibre: s.networkFibre,
    },
    access: {
      railSiding: s.railSiding,
      riverQuay: s.riverQuay,
      publicTransport: s.publicTransport,
      mainRoad: s.mainRoadName,
      motorway: { name: s.motorwayName, interchangeKm: s.motorwayInterchangeKm },
      station: { name: s.stationName, km: s.stationKm },
      freightStation: { name: s.freightStationName, km: s.freightStationKm },
      airport: { name: s.airportName, km: s.airportKm },
      port: { name: s.portName, km: s.portKm },
    },
    turnkey: { programme: s.turnkeyProgramme, labelStatus: s.labelStatus, labelDate: s.labelDate },
    availableFrom: s.offerAvailableFrom,
    dates: { creationYear: s.creationYear, identifiedOn: s.identifiedOn, updatedOn: s.updatedOn },
    version: s.version,
    geometry: s.geometry as SiteJson['geometry'],
  };
}
