// The JSON shapes of the quality checks, for OpenAPI: a plot's checks (on the plot and in the
// territory report) and the territory's quality report (quality/report.ts builds it).
import { z } from '@hono/zod-openapi';

export const plotCheckSchema = z
  .discriminatedUnion('check', [
    z.object({
      check: z.literal('declared_area'),
      reason: z.string(),
      declaredHa: z.number().openapi({ description: 'CNIG terr_surf_brute' }),
      drawnHa: z.number().openapi({ description: 'Area of the geometry on the ellipsoid' }),
      differencePct: z.number().openapi({ description: '(declared − drawn) / drawn, percent' }),
    }),
    z.object({
      check: z.literal('parcel_commune'),
      reason: z.string(),
      plotCommune: z.string().openapi({ description: "INSEE code of the commune under the plot (else its site's)" }),
      parcels: z.array(z.string()),
      parcelCommunes: z.array(z.string()),
    }),
  ])
  .openapi('PlotCheck');

export type PlotCheck = z.infer<typeof plotCheckSchema>;

const plotRef = z.object({ id: z.string(), cnigId: z.string(), site: z.object({ id: z.string(), name: z.string() }) });

export const qualityReportSchema = z
  .object({
    territory: z.object({ id: z.string(), name: z.string() }),
    today: z.string().openapi({ description: "The app's date the report was made on (records are stale against it)" }),
    thresholds: z.object({
      areaTolerancePct: z.number().openapi({ description: 'declared vs drawn area, percent of the drawn area' }),
      staleMonths: z.number().int(),
    }),
    counts: z.object({
      sites: z.number().int(),
      plots: z.number().int(),
      areaMismatches: z.number().int(),
      parcelCommunes: z.number().int(),
      overlaps: z.number().int(),
      missingInvestorFields: z.number().int(),
      stale: z.number().int(),
    }),
    plotChecks: z.array(plotRef.extend({ checks: z.array(plotCheckSchema) })),
    overlaps: z.array(
      z.object({ plots: z.tuple([plotRef, plotRef]), overlapHa: z.number().openapi({ description: 'hectares' }) }),
    ),
    missingInvestorFields: z.array(
      z.object({
        site: z.object({ id: z.string(), cnigId: z.string(), name: z.string() }),
        missing: z.array(z.enum(['powerMw', 'availableFrom'])),
      }),
    ),
    stale: z.array(
      z.object({
        entity: z.enum(['site', 'plot']),
        id: z.string(),
        cnigId: z.string(),
        name: z.string(),
        updatedOn: z.string().openapi({ description: 'CNIG site_actu_date / terr_actu_date' }),
      }),
    ),
  })
  .openapi('QualityReport');

export type QualityReport = z.infer<typeof qualityReportSchema>;
