/** @jsxImportSource hono/jsx */
// The review queue (/labellisation): the dossiers a viewer may see, filtered by state, region
// and readiness period, sorted by waiting time (longest first), name, region or state.
import type { Viewer } from '../../auth/viewer.js';
import type { QueueEntry, QueueQuery } from '../../labelling/queue.js';
import { readinessPeriods } from '../../programme/dashboard.js';
import { labelStates } from '../../sites/vocabulary.js';
import { Layout } from '../layout.js';
import { SignOutForm } from '../sign-in-page.js';
import { formatInteger, periodLabels, stateLabels } from './labels.js';

const sortLabels = { attente: 'Attente la plus longue', nom: 'Nom du site', region: 'Région', etat: 'État' } as const;

export function QueuePage(props: {
  viewer: Viewer;
  csrf: { name: string; value: string };
  query: QueueQuery;
  entries: QueueEntry[];
  total: number;
  regions: Array<{ code: string; name: string }>;
}) {
  const { query } = props;
  return (
    <Layout
      title="File d’instruction des sites clés en main"
      crumbs={[{ label: 'Foncier', href: '/' }, { label: 'Labellisation' }]}
    >
      <WorkspaceBar viewer={props.viewer} csrf={props.csrf} />
      <form method="get" action="/labellisation" class="filters" aria-label="Filtrer la file">
        <div>
          <label for="etat">État</label>
          <select id="etat" name="etat">
            <option value="">Tous</option>
            {labelStates.map((s) => (
              <option value={s} selected={query.state === s}>
                {stateLabels[s]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="region">Région</label>
          <select id="region" name="region">
            <option value="">Toutes</option>
            {props.regions.map((r) => (
              <option value={r.code} selected={query.region === r.code}>
                {r.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="periode">Disponibilité</label>
          <select id="periode" name="periode">
            <option value="">Toutes</option>
            {readinessPeriods.map((p) => (
              <option value={p} selected={query.period === p}>
                {periodLabels[p]}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="tri">Trier par</label>
          <select id="tri" name="tri">
            {Object.entries(sortLabels).map(([value, label]) => (
              <option value={value} selected={query.sort === value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Filtrer</button>
      </form>
      <p role="status">
        {formatInteger(props.entries.length)} dossier{props.entries.length > 1 ? 's' : ''} affiché
        {props.entries.length > 1 ? 's' : ''} sur {formatInteger(props.total)}
      </p>
      <section class="table-scroll" tabindex={0} aria-label="Dossiers">
        <table class="queue">
          <caption class="visually-hidden">Dossiers de labellisation</caption>
          <thead>
            <tr>
              <th scope="col">Site</th>
              <th scope="col">Région</th>
              <th scope="col">État</th>
              <th scope="col">Critères évalués</th>
              <th scope="col">Disponibilité</th>
              <th scope="col">Attente</th>
            </tr>
          </thead>
          <tbody>
            {props.entries.map((e) => (
              <tr>
                <th scope="row">
                  <a href={`/labellisation/dossiers/${e.id}`}>{e.name}</a>
                  {e.territoryName ? <span class="sub">{e.territoryName}</span> : null}
                </th>
                <td>{e.regionName ?? '—'}</td>
                <td>
                  <span class={`state state-${e.state}`}>{stateLabels[e.state]}</span>
                </td>
                <td>
                  {formatInteger(e.assessed)} / {formatInteger(e.total)}
                </td>
                <td>{periodLabels[e.period]}</td>
                <td>{formatInteger(e.waitingDays)} j</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>
  );
}

/** Who is signed in, the workspace's pages, and the sign-out button. */
export function WorkspaceBar(props: { viewer: Viewer; csrf: { name: string; value: string } }) {
  return (
    <nav class="workspace-bar" aria-label="Espace de labellisation">
      <ul>
        <li>
          <a href="/labellisation">File d’instruction</a>
        </li>
        <li>
          <a href="/labellisation/programme">Tableau de bord du programme</a>
        </li>
      </ul>
      <p>
        Connecté : <strong>{props.viewer.name}</strong> ({props.viewer.role})
      </p>
      <SignOutForm csrf={props.csrf} />
    </nav>
  );
}
