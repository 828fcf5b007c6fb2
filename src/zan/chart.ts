// The ZAN chart, one module for the printable report and the ZAN pages: yearly counted
// consumption (bars), the window's envelope (line), the cumulative consumption since the window
// opened and its projection to the window's end (dashed), and the point where it meets the
// envelope ("enveloppe épuisée en 2027"). Inline SVG written on the server, with its text
// alternative as a table of the same figures. Numbers in French format, round ticks with a unit.
// Its classes are prefixed (zc-): an inline SVG's <style> applies to the whole page.
import { escapeHtml } from '../http/html.js';
import { frenchNumber } from '../web/format.js';
import type { Envelope } from './formulas.js';
import type { ZanRuleSet } from './rule-sets.js';

export interface ChartYear {
  year: number;
  countedHa: number;
  provisional: boolean;
}

/** Hectares with all their decimals, `12,50 ha`, as the ZAN figures are written. */
export const haFr = (value: number | null | undefined, digits = 2) =>
  value === null || value === undefined ? '—' : `${frenchNumber(value, digits, true)} ha`;

/**
 * Axis ticks from 0 to at least `max`, about `count` of them, at a round step (1, 2, 2.5 or 5
 * times a power of ten): 1 790 gives 0, 500, 1 000, 1 500, 2 000.
 */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((f) => f * magnitude >= raw) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let i = 0; i * step < max + step * 1e-9 || ticks.length < 2; i++) ticks.push(Number((i * step).toPrecision(12)));
  if (ticks.at(-1)! < max) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

/** The same sentence opening a sentence. */
export const exhaustionSentence = (rules: ZanRuleSet, e: Envelope | null) => {
  const text = exhaustionText(rules, e);
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
};

/** The sentence the chart and the pages say about exhaustion. */
export function exhaustionText(rules: ZanRuleSet, e: Envelope | null): string {
  if (!e) return 'données manquantes';
  if (e.exhaustionYear === null) return 'enveloppe non épuisée au rythme actuel (rythme nul)';
  if (e.exhaustionYear > rules.target.to)
    return `enveloppe non épuisée en ${rules.target.to} (au rythme actuel : ${e.exhaustionYear})`;
  return `enveloppe épuisée en ${e.exhaustionYear}`;
}

interface Row {
  year: number;
  countedHa: number | null;
  provisional: boolean;
  cumulativeHa: number | null;
  projectedHa: number | null;
}

/** The chart's figures year by year: observed consumption, cumulative since the window opened,
 * and the projected cumulative after the last observed year. */
function rows(rules: ZanRuleSet, series: ChartYear[], e: Envelope | null): Row[] {
  const years = series.map((s) => s.year);
  const first = Math.min(rules.reference.from, ...years);
  const last = Math.max(rules.target.to, ...years);
  const byYear = new Map(series.map((s) => [s.year, s]));
  const lastObserved = e?.observedYears.at(-1) ?? rules.target.from - 1;
  const yearsLeft = Math.max(0, rules.target.to - lastObserved);
  let cumulative = 0;
  return Array.from({ length: last - first + 1 }, (_, i) => {
    const year = first + i;
    const observed = byYear.get(year);
    const inWindow = year >= rules.target.from && year <= rules.target.to;
    if (observed && inWindow) cumulative += observed.countedHa;
    const projected =
      e && inWindow && year > lastObserved && yearsLeft > 0
        ? e.consumedHa + ((e.projectedHa - e.consumedHa) * (year - lastObserved)) / yearsLeft
        : null;
    return {
      year,
      countedHa: observed?.countedHa ?? null,
      provisional: observed?.provisional ?? false,
      cumulativeHa: e && inWindow && year <= lastObserved ? cumulative : null,
      projectedHa: projected,
    };
  });
}

const chartStyle =
  '<style>.zc-grid{stroke:#ddd}.zc-bar{fill:#4a6fa5}.zc-provisional{fill:#9fb4d3}' +
  '.zc-envelope{stroke:#b03a2e;stroke-width:2;stroke-dasharray:6 3}' +
  '.zc-cumul{fill:none;stroke:#1d2b3a;stroke-width:2.5}' +
  '.zc-projection{fill:none;stroke:#1d2b3a;stroke-width:2;stroke-dasharray:4 4}' +
  '.zc-exhausted{fill:#b03a2e;stroke:#fff;stroke-width:2}.zc-tick,.zc-ytick,.zc-note{font:15px sans-serif;fill:#222}' +
  '.zc-tick{text-anchor:middle}.zc-ytick{text-anchor:end}.zc-note{font-weight:bold;fill:#8a2a20}</style>';

export function chartSvg(rules: ZanRuleSet, series: ChartYear[], e: Envelope | null, label: string): string {
  // Narrow enough that the labels stay readable once a 390 px screen scales it down.
  const width = 600;
  const height = 300;
  const pad = { left: 72, right: 12, top: 24, bottom: 40 };
  const table = rows(rules, series, e);
  const first = table[0]!.year;
  const span = table.length;
  const ticks = niceTicks(
    Math.max(
      e?.allowedHa ?? 0,
      ...table.map((r) => Math.max(r.countedHa ?? 0, r.cumulativeHa ?? 0, r.projectedHa ?? 0)),
      1,
    ),
  );
  const top = ticks.at(-1)!;
  const slot = (width - pad.left - pad.right) / span;
  const x = (year: number) => pad.left + (year - first + 0.5) * slot;
  const y = (value: number) => height - pad.bottom - (value / top) * (height - pad.top - pad.bottom);
  const f = (v: number) => v.toFixed(1);
  const parts: string[] = [];
  for (const [i, t] of ticks.entries())
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${f(y(t))}" y2="${f(y(t))}" class="zc-grid"/>` +
        `<text x="${pad.left - 6}" y="${f(y(t) + 4)}" class="zc-ytick">` +
        `${frenchNumber(t)}${i === ticks.length - 1 ? ' ha' : ''}</text>`,
    );
  for (const r of table) {
    if (r.countedHa !== null)
      parts.push(
        `<rect x="${f(x(r.year) - slot * 0.35)}" y="${f(y(r.countedHa))}" width="${f(slot * 0.7)}" ` +
          `height="${f(y(0) - y(r.countedHa))}" class="${r.provisional ? 'zc-bar zc-provisional' : 'zc-bar'}">` +
          `<title>${r.year} : ${haFr(r.countedHa)}${r.provisional ? ' (provisoire)' : ''}</title></rect>`,
      );
    // Every other year, counted back from the window's end so that its last year is labelled.
    if ((table.at(-1)!.year - r.year) % 2 === 0)
      parts.push(`<text x="${f(x(r.year))}" y="${height - pad.bottom + 20}" class="zc-tick">${r.year}</text>`);
  }
  if (e) {
    const from = x(rules.target.from) - slot / 2;
    const to = x(rules.target.to) + slot / 2;
    parts.push(
      `<line x1="${f(from)}" x2="${f(to)}" y1="${f(y(e.allowedHa))}" y2="${f(y(e.allowedHa))}" class="zc-envelope">` +
        `<title>Enveloppe ${rules.target.from}-${rules.target.to} : ${haFr(e.allowedHa)}</title></line>`,
    );
    const observed = table.filter((r) => r.cumulativeHa !== null);
    if (observed.length)
      parts.push(
        `<polyline points="${observed.map((r) => `${f(x(r.year))},${f(y(r.cumulativeHa!))}`).join(' ')}" ` +
          `class="zc-cumul"><title>Cumul depuis ${rules.target.from}</title></polyline>`,
      );
    const projected = table.filter((r) => r.projectedHa !== null);
    if (projected.length) {
      const start = observed.at(-1);
      const points = [
        ...(start ? [[start.year, start.cumulativeHa!]] : []),
        ...projected.map((r) => [r.year, r.projectedHa!]),
      ];
      parts.push(
        `<polyline points="${points.map(([yr, v]) => `${f(x(yr!))},${f(y(v!))}`).join(' ')}" class="zc-projection">` +
          `<title>Projection à ${rules.target.to} : ${haFr(e.projectedHa)}</title></polyline>`,
      );
    }
    if (e.exhaustionYear !== null && e.exhaustionYear <= rules.target.to) {
      const cx = x(e.exhaustionYear);
      const cy = y(e.allowedHa);
      const text = exhaustionText(rules, e);
      const anchor = cx > width * 0.6 ? 'end' : 'start';
      parts.push(
        `<circle cx="${f(cx)}" cy="${f(cy)}" r="5" class="zc-exhausted"/>` +
          `<text x="${f(cx + (anchor === 'end' ? -8 : 8))}" y="${f(Math.max(pad.top - 6, cy - 10))}" ` +
          `class="zc-note" text-anchor="${anchor}">${text}</text>`,
      );
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" role="img" ` +
    `aria-label="${escapeHtml(label)}" class="zan-chart">\n${chartStyle}\n` +
    `<line x1="${pad.left}" x2="${width - pad.right}" y1="${f(y(0))}" y2="${f(y(0))}" stroke="#333"/>` +
    `${parts.join('')}\n` +
    '</svg>'
  );
}

/** The chart's text alternative: the same figures as a table, year by year. */
export function chartTable(rules: ZanRuleSet, series: ChartYear[], e: Envelope | null): string {
  const cell = (v: number | null) => `<td>${v === null ? '—' : haFr(v)}</td>`;
  const body = rows(rules, series, e)
    .map(
      (r) =>
        `<tr><th scope="row">${r.year}${r.provisional ? ' (provisoire)' : ''}</th>` +
        `${cell(r.countedHa)}${cell(r.cumulativeHa)}${cell(r.projectedHa)}</tr>`,
    )
    .join('');
  return (
    '<table class="zan-chart-table"><caption>' +
    `Consommation décomptée par année, cumul depuis ${rules.target.from} et projection à ${rules.target.to} ; ` +
    `enveloppe ${haFr(e?.allowedHa)}, ${exhaustionText(rules, e)}</caption>` +
    '<thead><tr><th scope="col">Année</th><th scope="col">Consommation</th>' +
    `<th scope="col">Cumul depuis ${rules.target.from}</th><th scope="col">Cumul projeté</th></tr></thead>` +
    `<tbody>${body}</tbody></table>`
  );
}
