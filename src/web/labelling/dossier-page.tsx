/** @jsxImportSource hono/jsx */
// The dossier page (/labellisation/dossiers/{id}): the grid with each criterion's status, the
// catalogue's indication and flag, its documents; the moves the viewer may make, with their
// reasons; the evidence upload; comments and history. Every form posts to the API route itself
// (labelling/routes.ts), which sends the browser back here.
import type { Viewer } from '../../auth/viewer.js';
import type { DocumentMeta } from '../../labelling/evidence.js';
import type { labellingFile } from '../../labelling/service.js';
import { Layout } from '../layout.js';
import { WorkspaceBar } from './queue-page.js';
import { formatDate, formatInteger, moveLabels, stateLabels, statusLabels } from './labels.js';

type File = Awaited<ReturnType<typeof labellingFile>>;
type Csrf = { name: string; value: string };

const actionLabels: Record<string, string> = {
  label_transition: 'Changement d’état',
  label_assessment: 'Évaluation',
  label_document: 'Pièce déposée',
  label_comment: 'Commentaire',
  label_flag_override: 'Alerte levée',
};

function CsrfInput(props: { csrf: Csrf }) {
  return <input type="hidden" name={props.csrf.name} value={props.csrf.value} />;
}

export function DossierPage(props: { file: File; viewer: Viewer; csrf: Csrf; error?: string; done?: boolean }) {
  const { file, csrf } = props;
  const id = file.site.id;
  const base = `/sites/${id}/label`;
  const r = file.readiness;
  const canAssess = ['editor', 'labeller', 'admin'].includes(props.viewer.role);
  const canOverride = ['labeller', 'admin'].includes(props.viewer.role);
  const docsOf = (criterionId: string) => file.documents.filter((d) => d.criterionId === criterionId);
  return (
    <Layout
      title={`Dossier : ${file.site.name}`}
      crumbs={[
        { label: 'Foncier', href: '/' },
        { label: 'Labellisation', href: '/labellisation' },
        { label: file.site.name },
      ]}
    >
      <WorkspaceBar viewer={props.viewer} csrf={csrf} />
      <div id="resultat">
        {props.error ? (
          <p class="form-error" role="alert">
            Refusé : {props.error}
          </p>
        ) : props.done ? (
          <p class="form-done" role="status">
            Enregistré.
          </p>
        ) : null}
      </div>
      <section aria-labelledby="synthese" class="dossier-summary">
        <h2 id="synthese">Synthèse</h2>
        <dl>
          <dt>État</dt>
          <dd>
            <span class={`state state-${file.state}`}>{stateLabels[file.state]}</span>
          </dd>
          <dt>Grille</dt>
          <dd>
            {file.grid.title} ({file.grid.version})
          </dd>
          <dt>Critères évalués</dt>
          <dd>
            {formatInteger(r.assessed)} / {formatInteger(r.total)}
            {r.complete ? ' : dossier complet' : ` : ${formatInteger(r.missing.length)} à évaluer`}
          </dd>
          <dt>Alertes du catalogue</dt>
          <dd>{r.flags.length === 0 ? 'aucune ouverte' : `${formatInteger(r.flags.length)} ouverte(s)`}</dd>
          <dt>Critères bloquants non satisfaits</dt>
          <dd>{r.blocking.length === 0 ? 'aucun' : formatInteger(r.blocking.length)}</dd>
        </dl>
      </section>

      <section aria-labelledby="decisions">
        <h2 id="decisions">Étapes possibles</h2>
        {file.allowedMoves.length === 0 ? <p>Aucune étape n’est ouverte à votre rôle dans cet état.</p> : null}
        <div class="moves">
          {file.allowedMoves.map((m) => (
            <form method="post" action={`${base}/transitions`} class="stacked-form move">
              <CsrfInput csrf={csrf} />
              <input type="hidden" name="to" value={m.to} />
              <label for={`motif-${m.to}`}>Motif{m.reasonRequired ? ' (obligatoire)' : ' (facultatif)'}</label>
              <textarea id={`motif-${m.to}`} name="reason" rows={2} required={m.reasonRequired}></textarea>
              <button type="submit">{moveLabels[m.to]}</button>
            </form>
          ))}
        </div>
      </section>

      <section aria-labelledby="grille">
        <h2 id="grille">Grille d’évaluation</h2>
        <ol class="criteria">
          {r.items.map((item) => (
            <li
              id={`critere-${item.criterion.id}`}
              class={item.flag && !item.override ? 'criterion flagged' : 'criterion'}
            >
              <h3>
                {item.criterion.title}
                {item.criterion.blocking ? <span class="tag">bloquant</span> : null}
              </h3>
              <p class="status">
                {item.assessment ? (
                  <>
                    <strong>{statusLabels[item.assessment.status]}</strong> — {item.assessment.assessedBy},{' '}
                    {formatDate(item.assessment.assessedAt)}
                    {item.assessment.comment ? <> : {item.assessment.comment}</> : null}
                  </>
                ) : (
                  <strong>Non évalué</strong>
                )}
              </p>
              {item.criterion.reference ? <p class="sub">Référence : {item.criterion.reference}</p> : null}
              {item.criterion.evidenceKinds?.length ? (
                <p class="sub">Pièces attendues : {item.criterion.evidenceKinds.join(' ; ')}</p>
              ) : null}
              {item.catalogue ? <p class="sub">Catalogue : {item.catalogue}</p> : null}
              {item.flag ? (
                <p class={item.override ? 'flag cleared' : 'flag'}>
                  {item.override
                    ? `Alerte levée par ${item.override.byName} : ${item.override.reason} (${item.flag})`
                    : `Alerte du catalogue : ${item.flag}`}
                </p>
              ) : null}
              <Documents documents={docsOf(item.criterion.id)} base={base} />
              {canAssess ? (
                <details>
                  <summary>Évaluer ce critère</summary>
                  <form method="post" action={`${base}/criteria/${item.criterion.id}`} class="stacked-form">
                    <CsrfInput csrf={csrf} />
                    <label for={`statut-${item.criterion.id}`}>Statut</label>
                    <select id={`statut-${item.criterion.id}`} name="status">
                      {Object.entries(statusLabels).map(([value, label]) => (
                        <option value={value} selected={item.assessment?.status === value}>
                          {label}
                        </option>
                      ))}
                    </select>
                    <label for={`commentaire-${item.criterion.id}`}>Commentaire (justification si sans objet)</label>
                    <textarea id={`commentaire-${item.criterion.id}`} name="comment" rows={2}>
                      {item.assessment?.comment ?? ''}
                    </textarea>
                    <label for={`piece-${item.criterion.id}`}>
                      Pièce citée (titre, facultatif si une pièce est déposée)
                    </label>
                    <input id={`piece-${item.criterion.id}`} name="evidenceTitle" type="text" />
                    <label for={`date-${item.criterion.id}`}>Date de la pièce</label>
                    <input id={`date-${item.criterion.id}`} name="evidenceDate" type="date" />
                    <label for={`auteur-${item.criterion.id}`}>Émetteur de la pièce</label>
                    <input id={`auteur-${item.criterion.id}`} name="evidenceAuthor" type="text" />
                    <button type="submit">Enregistrer l’évaluation</button>
                  </form>
                </details>
              ) : null}
              {canAssess ? <UploadForm base={base} criterionId={item.criterion.id} csrf={csrf} /> : null}
              {canOverride && item.flag && !item.override ? (
                <details>
                  <summary>Lever l’alerte</summary>
                  <form method="post" action={`${base}/criteria/${item.criterion.id}/override`} class="stacked-form">
                    <CsrfInput csrf={csrf} />
                    <label for={`levee-${item.criterion.id}`}>Motif de la levée</label>
                    <textarea id={`levee-${item.criterion.id}`} name="reason" rows={2} required></textarea>
                    <button type="submit">Lever l’alerte</button>
                  </form>
                </details>
              ) : null}
            </li>
          ))}
        </ol>
      </section>

      <section aria-labelledby="commentaires">
        <h2 id="commentaires">Commentaires</h2>
        {file.comments.length === 0 ? <p>Aucun commentaire.</p> : null}
        <ul class="comments">
          {file.comments.map((c) => (
            <li>
              <p class="sub">
                {c.authorName}, {formatDate(c.at)}
                {c.criterionId
                  ? ` — ${r.items.find((i) => i.criterion.id === c.criterionId)?.criterion.title ?? c.criterionId}`
                  : ' — dossier'}
              </p>
              <p>{c.body}</p>
            </li>
          ))}
        </ul>
        <form method="post" action={`${base}/comments`} class="stacked-form">
          <CsrfInput csrf={csrf} />
          <label for="commentaire-critere">Sujet</label>
          <select id="commentaire-critere" name="criterionId">
            <option value="">Le dossier</option>
            {r.items.map((item) => (
              <option value={item.criterion.id}>{item.criterion.title}</option>
            ))}
          </select>
          <label for="commentaire-texte">Commentaire</label>
          <textarea id="commentaire-texte" name="body" rows={3} required></textarea>
          <button type="submit">Publier</button>
        </form>
      </section>

      <section aria-labelledby="historique">
        <h2 id="historique">Historique</h2>
        <ol class="history">
          {file.history.map((h) => (
            <li>
              <span class="sub">{formatDate(h.at)}</span> {actionLabels[h.action] ?? h.action} par {h.actorName} (
              {h.actorRole})
              {h.action === 'label_transition' ? (
                <>
                  {' '}
                  :{' '}
                  {
                    stateLabels[
                      ((h.after as { labelStatus?: string } | null)?.labelStatus ?? 'none') as keyof typeof stateLabels
                    ]
                  }
                </>
              ) : null}
              {h.reason ? <> — motif : {h.reason}</> : null}
            </li>
          ))}
        </ol>
      </section>
    </Layout>
  );
}

function Documents(props: { documents: DocumentMeta[]; base: string }) {
  if (props.documents.length === 0) return null;
  return (
    <ul class="documents">
      {props.documents.map((d) => (
        <li>
          <a href={`${props.base}/documents/${d.id}`}>
            {d.kind} v{d.version} ({d.fileName})
          </a>{' '}
          <span class="sub">
            {d.issuer}, {d.issuedOn}
            {d.reference ? `, réf. ${d.reference}` : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** A document for one criterion: PDF or image; the same kind again becomes its next version. */
function UploadForm(props: { base: string; criterionId: string; csrf: Csrf }) {
  const id = (field: string) => `${field}-${props.criterionId}`;
  return (
    <details>
      <summary>Déposer une pièce</summary>
      <form
        method="post"
        action={`${props.base}/criteria/${props.criterionId}/documents`}
        enctype="multipart/form-data"
        class="stacked-form"
      >
        <CsrfInput csrf={props.csrf} />
        <label for={id('type')}>Type de pièce</label>
        <input id={id('type')} name="kind" type="text" required />
        <label for={id('emetteur')}>Émetteur</label>
        <input id={id('emetteur')} name="issuer" type="text" required />
        <label for={id('emise')}>Date de la pièce</label>
        <input id={id('emise')} name="issuedOn" type="date" required />
        <label for={id('reference')}>Référence</label>
        <input id={id('reference')} name="reference" type="text" />
        <label for={id('fichier')}>Fichier (PDF ou image PNG, JPEG, WebP)</label>
        <input
          id={id('fichier')}
          name="file"
          type="file"
          accept="application/pdf,image/png,image/jpeg,image/webp"
          required
        />
        <button type="submit">Déposer la pièce</button>
      </form>
    </details>
  );
}
