/** @jsxImportSource hono/jsx */
// The programme dashboard as a page (/labellisation/programme): the states against the target
// of about fifty labelled sites, the regions, readiness by period (2024, 2025-2027, 2028-2030),
// hectares and the brownfield share; the programme list as a CSV for spreadsheets.
import type { programmeDashboard } from '../../programme/dashboard.js';
import type { LabelState } from '../../sites/vocabulary.js';
import { Layout } from '../layout.js';
import { BarChart } from './charts.js';
import { formatDate, formatHectares, formatInteger, formatPercent, periodLabels, stateLabels } from './labels.js';

type Dashboard = Awaited<ReturnType<typeof programmeDashboard>>;

export function DashboardPage(props: { dashboard: Dashboard }) {
  const d = props.dashboard;
  const shareOrElse = (share: number | null, unknown: string) => (share === null ? unknown : formatPercent(share));
  const sites = (n: number) => `${formatInteger(n)} site${n > 1 ? 's' : ''}`;
  return (
    <Layout
      title="Tableau de bord du programme sites clés en main"
      crumbs={[
        { label: 'Foncier', href: '/' },
        { label: 'Labellisation', href: '/labellisation' },
        { label: 'Programme' },
      ]}
      alternates={[
        { type: 'text/csv', href: '/labellisation/programme.csv', title: 'Liste du programme (CSV pour tableur)' },
        { type: 'application/json', href: '/programme/turnkey-sites', title: 'Tableau de bord (JSON)' },
      ]}
    >
      <p class="lead">
        Au {formatDate(`${d.asOf}T12:00:00Z`)} :{' '}
        <strong>
          {sites(d.labelled)} labellisé{d.labelled > 1 ? 's' : ''}
        </strong>{' '}
        pour un objectif de {formatInteger(d.target)}
        {d.progress !== null ? ` (${formatPercent(d.progress)})` : ''}, sur {sites(d.sites)} du programme (
        {formatHectares(d.areaHa)}).
      </p>
      <p>
        <a href="/labellisation/programme.csv" download>
          Télécharger la liste du programme (CSV, séparateur point-virgule)
        </a>
      </p>
      <div class="charts">
        <BarChart
          id="etats"
          title="Sites par état du dossier, face à l’objectif"
          description={`Nombre de sites dans chaque état ; la ligne marque l’objectif de ${d.target} sites labellisés.`}
          unitHeader="Sites"
          target={{ value: d.target, label: `objectif ${d.target}` }}
          bars={d.byState.map((s) => ({
            label: stateLabels[s.state as LabelState | 'none'],
            value: s.count,
            shown: formatInteger(s.count),
          }))}
        />
        <BarChart
          id="regions"
          title="Sites par région"
          description="Nombre de sites du programme dans chaque région."
          unitHeader="Sites"
          bars={d.byRegion.map((r) => ({ label: r.name, value: r.count, shown: formatInteger(r.count) }))}
        />
        <BarChart
          id="disponibilite"
          title="Disponibilité des sites par période"
          description="Nombre de sites prêts à accueillir une usine en 2024, en 2025-2027, en 2028-2030, ou plus tard."
          unitHeader="Sites"
          bars={d.readinessByPeriod.map((p) => ({
            label: periodLabels[p.period],
            value: p.count,
            shown: `${formatInteger(p.count)} (${formatHectares(p.areaHa)})`,
          }))}
        />
        <BarChart
          id="friches"
          title="Surface en friche et en extension"
          description={
            'Hectares des sites en renouvellement (friches) et en extension ; ' +
            `part des friches : ${shareOrElse(d.land.brownfieldShareByArea, 'inconnue')} de la surface.`
          }
          unitHeader="Surface"
          bars={[
            { label: 'Friches', value: d.land.brownfield.areaHa, shown: formatHectares(d.land.brownfield.areaHa) },
            { label: 'Extension', value: d.land.greenfield.areaHa, shown: formatHectares(d.land.greenfield.areaHa) },
          ]}
        />
      </div>
      <p>
        Part des friches : {shareOrElse(d.land.brownfieldShareByCount, '—')} des sites,{' '}
        {shareOrElse(d.land.brownfieldShareByArea, '—')} de la surface.
      </p>
    </Layout>
  );
}
