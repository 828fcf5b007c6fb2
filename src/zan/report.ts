// The printable ZAN report of a territory: one self-contained HTML page (inline CSS and SVG,
// no script, no CDN) a planner can print or attach to a file.
import { escapeHtml } from '../http/html.js';
import { frenchNumber } from '../web/format.js';
import { chartSvg, chartTable, exhaustionSentence, exhaustionText, haFr as ha } from './chart.js';
import { sparteComparison } from './representation.js';
import type { ZanRuleSet } from './rule-sets.js';
import type { territoryZan, ZanTerritory } from './repository.js';

type TerritoryZan = Awaited<ReturnType<typeof territoryZan>>;

/** A level's kind as the report and the pages say it. */
export const kindLabels = { territory: "Territoire d'industrie", epci: 'EPCI', commune: 'Commune' } as const;

const reportStyle =
  '<style>body{font:14px/1.4 sans-serif;max-width:60rem;margin:2rem auto;color:#222}' +
  'table{border-collapse:collapse;width:100%;margin:1rem 0}' +
  'td,th{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left}td:last-child{text-align:right}' +
  '.note{color:#555;font-size:12px}svg.zan-chart{width:100%;max-width:42rem;height:auto;display:block}' +
  'caption{text-align:left;font-weight:600}@media print{body{margin:0}}</style>';

export function territoryReportHtml(
  rules: ZanRuleSet,
  territory: ZanTerritory,
  zan: TerritoryZan,
  generatedOn: string,
): string {
  const e = zan.envelope;
  const sparte = sparteComparison(rules, e);
  const rows: [string, string][] = [
    [`Consommation de référence ${rules.reference.from}-${rules.reference.to}`, ha(e?.referenceHa)],
    ['dont activité', ha(e?.referenceActivityHa)],
    ['Référence décomptée par la règle', ha(e?.countedReferenceHa)],
    [`Enveloppe ${rules.target.from}-${rules.target.to} (réduction par commune, garantie 1 ha)`, ha(e?.allowedHa)],
    ['Communes à la garantie communale', e ? String(e.guaranteedCommunes) : 'données manquantes'],
    [`Consommé depuis ${rules.target.from}`, ha(e?.consumedHa)],
    ['Rythme annuel', `${ha(e?.paceHaPerYear)}/an`],
    [`Projection à ${rules.target.to}`, ha(e?.projectedHa)],
    ['Enveloppe restante', ha(e?.remainingHa)],
    [
      'Années avant épuisement',
      e?.yearsToExhaustion == null
        ? exhaustionText(rules, e)
        : `${frenchNumber(e.yearsToExhaustion)} ans : ${exhaustionText(rules, e)}`,
    ],
    ...(sparte
      ? ([
          ['Enveloppe lue comme SPARTE (plancher au total)', ha(sparte.allowedHa)],
          ['Projection lue comme SPARTE', ha(sparte.projectedHa)],
        ] as [string, string][])
      : []),
    ['Consommation attendue des sites catalogués (hors PENE)', ha(zan.pipeline.consumptionHa)],
    [
      'Pression du pipeline (attendu ÷ restant)',
      zan.pipeline.pressure === null ? 'enveloppe épuisée' : `${(zan.pipeline.pressure * 100).toFixed(0)} %`,
    ],
  ];
  const communeRows = zan.communes
    .map(
      (c) =>
        `<tr><td>${escapeHtml(c.insee)}</td><td>${escapeHtml(c.name)}</td>` +
        `<td>${c.envelope ? ha(c.envelope.referenceHa) : 'données manquantes'}</td>` +
        `<td>${ha(c.envelope?.allowedHa)}${c.envelope?.guaranteedCommunes ? ' *' : ''}</td>` +
        `<td>${ha(c.envelope?.consumedHa)}</td><td>${ha(c.envelope?.remainingHa)}</td></tr>`,
    )
    .join('\n');
  const chart = chartSvg(rules, zan.series, e, `Consommation annuelle et enveloppe : ${exhaustionText(rules, e)}`);
  const caption =
    'Barres : consommation décomptée par an (claires : provisoires). ' +
    `Trait rouge : enveloppe ${rules.target.from}-${rules.target.to}. ` +
    `Ligne : cumul depuis ${rules.target.from}, en tirets sa projection à ${rules.target.to}. ` +
    escapeHtml(exhaustionSentence(rules, e));
  const missing = zan.missingData.communes
    ? `Données manquantes (pas de consommation Cerema) : ${zan.missingData.insee.map(escapeHtml).join(', ')} ; ` +
      `leurs enveloppes (au moins ${ha(zan.missingData.allowedAtLeastHa)}) ne sont pas dans les totaux.`
    : '';
  const vintage = (years: readonly (string | number)[], none = '—') => escapeHtml(years.join(', ') || none);
  const intro =
    `${escapeHtml(kindLabels[territory.kind])} <code>${escapeHtml(territory.id)}</code>, ` +
    `${territory.communes.length} commune(s). Édité le ${escapeHtml(generatedOn)}.`;
  const sources =
    `<li>Consommation: ${vintage(zan.vintages.consumption)}; ` +
    `années provisoires: ${vintage(e?.provisionalYears ?? [], 'aucune')}</li>\n` +
    `<li>Occupation du sol: ${vintage(zan.vintages.landCover)}; friches: ${vintage(zan.vintages.brownfields)}; ` +
    `PENE: ${vintage(zan.vintages.pene)}</li>`;
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Rapport ZAN — ${escapeHtml(territory.name)}</title>
${reportStyle}
</head><body>
<h1>Rapport ZAN — ${escapeHtml(territory.name)}</h1>
<p>${intro}</p>
<p>Règle: <strong>${escapeHtml(rules.title)}</strong> (<code>${escapeHtml(rules.id)}</code>).</p>
<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
<h2>Consommation annuelle et enveloppe</h2>
<figure>${chart}<figcaption class="note">${caption}</figcaption></figure>
${chartTable(rules, zan.series, e)}
${sparte ? `<p class="note">${escapeHtml(sparte.explanation)}</p>` : ''}
<h2>Communes</h2>
<table><tr><th>INSEE</th><th>Commune</th><th>Référence</th><th>Enveloppe</th><th>Consommé</th><th>Restant</th></tr>
${communeRows}</table>
<p class="note">* garantie communale de ${rules.communalGuaranteeHa} ha. ${missing}</p>
<h2>Sources</h2>
<ul class="note">${rules.legalBasis.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}
${sources}</ul>
</body></html>`;
}
