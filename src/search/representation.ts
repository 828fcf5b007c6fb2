// The one shape of a search result per kind, `siteItem` and `plotItem`: the JSON items of a page and
// the properties of every GeoJSON Feature, paged or streamed (listing.ts renders both).
import type { Point } from 'geojson';
import { round } from '../round.js';
import { explainScore, type ComponentDefinition, type PlotFacts, type SiteFacts } from './score.js';

/** A point PostGIS wrote as GeoJSON (ST_AsGeoJSON of ST_PointOnSurface). */
const parsed = (text: string | null) => (text === null ? null : (JSON.parse(text) as Point));

export function siteItem(f: SiteFacts, definition: ComponentDefinition<SiteFacts>[]) {
  return {
    id: f.id,
    cnigId: f.cnigId,
    name: f.name,
    siteType: f.siteType,
    mainVocation: f.mainVocation,
    state: f.state,
    location: {
      epci: { siren: f.epciSiren, name: f.epciName },
      commune: { insee: f.communeInsee, name: f.communeName, department: f.department },
      inTerritory: f.inTerritory,
      point: parsed(f.point),
    },
    areas: {
      areaHa: round(f.areaHa, 2),
      usableAreaHa: round(f.usableAreaHa, 2),
      availableAreaHa: round(f.availableAreaHa, 2),
      maxPlotAreaHa: round(f.maxPlotAreaHa, 2),
      declaredAvailableAreaHa: round(f.declaredAvailableAreaHa, 2),
    },
    availabilitySource: f.availabilitySource,
    utilities: {
      electricity: f.networkElectricity,
      powerMw: f.powerMw,
      gas: f.networkGas,
      drinkingWater: f.networkDrinkingWater,
      sewerage: f.networkSewerage,
      fibre: f.networkFibre,
    },
    access: {
      railSiding: f.railSiding,
      riverQuay: f.riverQuay,
      motorwayInterchangeKm: f.motorwayInterchangeKm,
      freightStationKm: f.freightStationKm,
      portKm: f.portKm,
    },
    turnkey: { programme: f.turnkeyProgramme, labelStatus: f.labelStatus },
    lowestPriceEurM2: f.priceEurM2,
    brownfield: f.brownfield,
    availableFrom: f.availableFrom,
    distanceKm: round(f.distanceKm, 3),
    score: explainScore(definition, f),
  };
}

export function plotItem(f: PlotFacts, definition: ComponentDefinition<PlotFacts>[]) {
  return {
    id: f.id,
    cnigId: f.cnigId,
    site: { id: f.siteId, cnigId: f.siteCnigId, name: f.siteName },
    communeInsee: f.communeInsee,
    point: parsed(f.point),
    areaHa: round(f.areaHa, 4),
    landControl: f.landControl,
    developmentStage: f.developmentStage,
    marketingStage: f.marketingStage,
    occupation: f.occupation,
    planningZone: f.planningZone,
    turnkey: f.turnkey,
    priceEurM2: f.priceEurM2,
    availableFrom: f.availableFrom,
    brownfield: f.brownfield,
    siteUtilities: {
      electricity: f.networkElectricity,
      powerMw: f.powerMw,
      railSiding: f.railSiding,
    },
    siteAccess: { motorwayInterchangeKm: f.motorwayInterchangeKm },
    distanceKm: round(f.distanceKm, 3),
    score: explainScore(definition, f),
  };
}
