// The import page (web/territory/pages.tsx): the chosen file goes to POST /imports as a dry run
// first, with the session's CSRF token; its report is shown row by row (row, column, value,
// reason in French by import-reasons.ts; warnings apart, the rows they concern kept); when
// nothing is rejected the same file can then be committed.
import { required } from './dom.js';
import { reasonInFrench } from './import-reasons.js';

interface ReportEntry {
  row: number;
  line?: number;
  column: string | null;
  value: string | null;
  reason: string;
}

interface ImportReport {
  rowsRead: number;
  accepted: number;
  inserted: number;
  updated: number;
  unchanged: number;
  written: boolean;
  dryRun: boolean;
  rejected: ReportEntry[];
  warnings: ReportEntry[];
}

const form = required<HTMLFormElement>('#import-form');
const kind = required<HTMLSelectElement>('#kind');
const input = required<HTMLInputElement>('#file');
const output = required('#import-report');
const commit = required<HTMLButtonElement>('#commit');
const csrf = form.dataset.csrf ?? '';

/** The file name as POST /imports accepts it ([\w.-], 120 characters): its extension says the format. */
const safeName = (name: string) => name.replace(/[^\w.-]/g, '_').slice(-120);

async function send(file: File, dryRun: boolean): Promise<{ ok: boolean; body: ImportReport & { detail?: string } }> {
  const type = /\.(geo)?jsonl?$/i.test(file.name) ? 'application/geo+json' : 'text/csv';
  const query = new URLSearchParams({ kind: kind.value, dryRun: String(dryRun), filename: safeName(file.name) });
  const res = await fetch(`/imports?${query}`, {
    method: 'POST',
    body: file,
    credentials: 'same-origin',
    headers: { 'content-type': type, 'x-csrf-token': csrf },
  });
  return { ok: res.ok, body: await res.json() };
}

function cell(row: HTMLTableRowElement, text: string, header = false): void {
  const element = document.createElement(header ? 'th' : 'td');
  if (header) element.setAttribute('scope', 'row');
  element.textContent = text;
  row.append(element);
}

function entriesTable(caption: string, entries: ReportEntry[]): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'table-scroll';
  wrap.tabIndex = 0;
  wrap.setAttribute('role', 'region');
  wrap.setAttribute('aria-label', caption);
  const table = document.createElement('table');
  table.createCaption().textContent = caption;
  const head = table.createTHead().insertRow();
  for (const title of ['Ligne', 'Colonne', 'Valeur', 'Motif']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = title;
    head.append(th);
  }
  const body = table.createTBody();
  for (const e of entries) {
    const row = body.insertRow();
    cell(row, e.row === 0 ? 'fichier' : String(e.line ?? e.row), true);
    cell(row, e.column ?? '—');
    cell(row, e.value ?? '—');
    cell(row, reasonInFrench(e.reason, e.line === undefined ? 0 : e.line - e.row));
  }
  wrap.append(table);
  return wrap;
}

function render(report: ImportReport): void {
  output.replaceChildren();
  const summary = document.createElement('p');
  summary.setAttribute('role', 'status');
  const state = report.dryRun
    ? 'Vérification : rien n’a été écrit.'
    : report.written
      ? 'Import enregistré.'
      : 'Rien n’a été écrit : des lignes sont refusées.';
  summary.textContent = `${state} ${report.rowsRead} lignes lues, ${report.accepted} acceptées (${report.inserted} nouvelles, ${report.updated} modifiées, ${report.unchanged} inchangées), ${report.rejected.length} refusées, ${report.warnings.length} à vérifier.`;
  output.append(summary);
  if (report.rejected.length > 0) output.append(entriesTable('Lignes refusées', report.rejected));
  if (report.warnings.length > 0) output.append(entriesTable('Lignes acceptées à vérifier', report.warnings));
}

function fail(detail: string | undefined): void {
  const message = document.createElement('p');
  message.className = 'form-error';
  message.setAttribute('role', 'alert');
  message.textContent = `Le fichier n’a pas pu être lu : ${detail ?? 'erreur inconnue'}`;
  output.replaceChildren(message);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = input.files?.[0];
  if (!file) return;
  commit.hidden = true;
  const { ok, body } = await send(file, true);
  if (!ok) return fail(body.detail);
  render(body);
  commit.hidden = body.rejected.length > 0;
});

commit.addEventListener('click', async () => {
  const file = input.files?.[0];
  if (!file) return;
  commit.hidden = true;
  const { ok, body } = await send(file, false);
  if (!ok) return fail(body.detail);
  render(body);
});
