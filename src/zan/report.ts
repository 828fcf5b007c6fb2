// The printable ZAN report of a territory: one self-contained HTML page (inline CSS and SVG,
// no script, no CDN) a planner can print or attach to a file.
import { escapeHtml } from '../http/html.js';
import type { ZanRuleSet } from './rule-sets.js';
import type { territoryZan, ZanTerritory } from './repository.js';

type TerritoryZan = Awaited<ReturnType<typeof territoryZan>>;

const ha = (value: number | null | undefined, digits = 2) =>
  value === null || value === undefined
    ? '—'
    : `${value.toLocaleString('fr-FR', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ha`;

/** Yearly counted consumption as bars, the window's cumulative consumption against the envelope as lines. */
export function seriesChart(rules: ZanRuleSet, zan: TerritoryZan): string {
  const width = 720;
  const height = 280;
  const pad = { left: 56, right: 16, top: 16, bottom: 36 };
  const years = zan.series.map((s) => s.year);
  const first = Math.min(rules.reference.from, ...years);
  const last = Math.max(rules.target.to, ...years);
  let cumulative = 0;
  const cumulativeByYear = new Map<number, number>();
  for (const s of zan.series)
    if (s.year >= rules.target.from && s.year <= rules.target.to) {
      cumulative += s.countedHa;
      cumulativeByYear.set(s.year, cumulative);
    }
  const top = Math.max(zan.envelope.allowedHa, cumulative, ...zan.series.map((s) => s.countedHa), 1) * 1.1;
  const x = (year: number) => pad.left + ((year - first) / (last - first + 1)) * (width - pad.left - pad.right);
  const y = (value: number) => height - pad.bottom - (value / top) * (height - pad.top - pad.bottom);
  const barWidth = ((width - pad.left - pad.right) / (last - first + 1)) * 0.7;
  const bars = zan.series
    .map(
      (s) =>
        `<rect x="${x(s.year).toFixed(1)}" y="${y(s.countedHa).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y(0) - y(s.countedHa)).toFixed(1)}" class="${s.provisional ? 'bar provisional' : 'bar'}"><title>${s.year}: ${ha(s.countedHa)}${s.provisional ? ' (provisoire)' : ''}</title></rect>`,
    )
    .join('');
  const envelopeLine = `<line x1="${x(rules.target.from).toFixed(1)}" x2="${(x(rules.target.to) + barWidth).toFixed(1)}" y1="${y(zan.envelope.allowedHa).toFixed(1)}" y2="${y(zan.envelope.allowedHa).toFixed(1)}" class="envelope"><title>Enveloppe ${rules.target.from}-${rules.target.to}: ${ha(zan.envelope.allowedHa)}</title></line>`;
  const points = [...cumulativeByYear]
    .map(([year, value]) => `${(x(year) + barWidth / 2).toFixed(1)},${y(value).toFixed(1)}`)
    .join(' ');
  const ticks = Array.from({ length: last - first + 1 }, (_, i) => first + i)
    .filter((year) => year % 2 === 1 || year === last)
    .map(
      (year) =>
        `<text x="${(x(year) + barWidth / 2).toFixed(1)}" y="${height - pad.bottom + 16}" class="tick">${year}</text>`,
    )
    .join('');
  const yTicks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => `<text x="${pad.left - 6}" y="${y(top * f).toFixed(1)}" class="ytick">${(top * f).toFixed(1)}</text>`)
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" aria-label="Consommation annuelle et enveloppe">
<style>.bar{fill:#7a9cc6}.provisional{fill:#c9d6e8}.envelope{stroke:#c0392b;stroke-width:2;stroke-dasharray:6 3}.cumul{fill:none;stroke:#2c3e50;stroke-width:2}.tick{font:10px sans-serif;text-anchor:middle}.ytick{font:10px sans-serif;text-anchor:end}</style>
<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>${bars}${envelopeLine}${points ? `<polyline points="${points}" class="cumul"><title>Cumul depuis ${rules.target.from}</title></polyline>` : ''}${ticks}${yTicks}
</svg>`;
}

export function territoryReportHtml(
  rules: ZanRuleSet,
  territory: ZanTerritory,
  zan: TerritoryZan,
  generatedOn: string,
): string {
  const e = zan.envelope;
  const rows: [string, string][] = [
    [`Consommation de référence ${rules.reference.from}-${rules.reference.to}`, ha(e.referenceHa)],
    ['dont activité', ha(e.referenceActivityHa)],
    ['Référence décomptée par la règle', ha(e.countedReferenceHa)],
    [`Enveloppe ${rules.target.from}-${rules.target.to} (réduction par commune, garantie 1 ha)`, ha(e.allowedHa)],
    ['Communes à la garantie communale', String(e.guaranteedCommunes)],
    [`Consommé depuis ${rules.target.from}`, ha(e.consumedHa)],
    ['Rythme annuel', `${ha(e.paceHaPerYear)}/an`],
    [`Projection à ${rules.target.to}`, ha(e.projectedHa)],
    ['Enveloppe restante', ha(e.remainingHa)],
    ['Années avant épuisement', e.yearsToExhaustion === null ? '—' : e.yearsToExhaustion.toFixed(1)],
    ['Consommation attendue des sites catalogués (hors PENE)', ha(zan.pipeline.consumptionHa)],
    [
      'Pression du pipeline (attendu ÷ restant)',
      zan.pipeline.pressure === null ? 'enveloppe épuisée' : `${(zan.pipeline.pressure * 100).toFixed(0)} %`,
    ],
  ];
  const communeRows = zan.communes
    .map(
      (c) =>
        `<tr><td>${escapeHtml(c.insee)}</td><td>${escapeHtml(c.name)}</td><td>${ha(c.envelope?.referenceHa)}</td><td>${ha(c.envelope?.allowedHa)}${c.envelope?.guaranteedCommunes ? ' *' : ''}</td><td>${ha(c.envelope?.consumedHa)}</td><td>${ha(c.envelope?.remainingHa)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Rapport ZAN — ${escapeHtml(territory.name)}</title>
<style>body{font:14px/1.4 sans-serif;max-width:60rem;margin:2rem auto;color:#222}table{border-collapse:collapse;width:100%;margin:1rem 0}td,th{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left}td:last-child{text-align:right}.note{color:#555;font-size:12px}@media print{body{margin:0}}</style>
</head><body>
<h1>Rapport ZAN — ${escapeHtml(territory.name)}</h1>
<p>${escapeHtml(territory.kind)} <code>${escapeHtml(territory.id)}</code>, ${territory.communes.length} communes. Édité le ${escapeHtml(generatedOn)}.</p>
<p>Règle: <strong>${escapeHtml(rules.title)}</strong> (<code>${escapeHtml(rules.id)}</code>).</p>
<table>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
<h2>Consommation annuelle et enveloppe</h2>
<figure>${seriesChart(rules, zan)}<figcaption class="note">Barres: consommation décomptée par an (claires: provisoires). Trait rouge: enveloppe ${rules.target.from}-${rules.target.to}. Ligne: cumul depuis ${rules.target.from}.</figcaption></figure>
<h2>Communes</h2>
<table><tr><th>INSEE</th><th>Commune</th><th>Référence</th><th>Enveloppe</th><th>Consommé</th><th>Restant</th></tr>
${communeRows}</table>
<p class="note">* garantie communale de ${rules.communalGuaranteeHa} ha. ${zan.missingCommunes.length ? `Sans données Cerema: ${zan.missingCommunes.map(escapeHtml).join(', ')}.` : ''}</p>
<h2>Sources</h2>
<ul class="note">${rules.legalBasis.map((l) => `<li>${escapeHtml(l)}</li>`).join('')}
<li>Consommation: ${escapeHtml(zan.vintages.consumption.join(', ') || '—')}; années provisoires: ${escapeHtml(e.provisionalYears.join(', ') || 'aucune')}</li>
<li>Occupation du sol: ${escapeHtml(zan.vintages.landCover.join(', ') || '—')}; friches: ${escapeHtml(zan.vintages.brownfields.join(', ') || '—')}; PENE: ${escapeHtml(zan.vintages.pene.join(', ') || '—')}</li></ul>
</body></html>`;
}
