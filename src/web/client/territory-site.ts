// The site edit page (web/territory/site-page.tsx): the fields that changed go to
// PATCH /sites/{id} with the ETag the page was loaded with (If-Match) and the session's CSRF
// token. On 412 the page reads itself again (the same server-rendered #site-loaded block) and
// lists what differs: the form's fields, and the figures the site takes from its plots, whose
// changes move the site's version too.
import { required, statusNodes } from './dom.js';
import { type SiteLabels, type SiteLoaded, same, siteChanges } from './site-changes.js';

const form = required<HTMLFormElement>('#site-form');
const status = required('#site-status');
const siteId = form.dataset.site ?? '';
const etag = form.dataset.etag ?? '';
const csrf = form.dataset.csrf ?? '';
const loadedOf = (root: ParentNode) => JSON.parse(required('#site-loaded', root).textContent ?? '{}') as SiteLoaded;
const loaded = loadedOf(document);
const labels = JSON.parse(required('#site-labels').textContent ?? '{}') as SiteLabels;

/** A field as the API types it: '' is null, numbers and yes/no typed. */
function formValue(element: HTMLInputElement | HTMLSelectElement): unknown {
  const text = element.value.trim();
  if (text === '') return null;
  if (element.dataset.kind === 'number') return Number(text);
  if (element.dataset.kind === 'flag') return text === 'true';
  return text;
}

async function sayChangedMeanwhile(): Promise<void> {
  const html = await (await fetch(location.pathname, { credentials: 'same-origin' })).text();
  const current = loadedOf(new DOMParser().parseFromString(html, 'text/html'));
  const { fields, derived } = siteChanges(loaded, current, labels);
  const nodes = statusNodes(
    fields.length > 0
      ? 'Ce site a été modifié entre-temps ; rien n’a été enregistré. Ce qui a changé depuis le chargement du formulaire :'
      : 'Ce site a changé entre-temps ; rien n’a été enregistré.',
    true,
    fields,
  );
  if (derived.length > 0)
    nodes.push(
      ...statusNodes(
        'Ses terrains ont changé, et avec eux les chiffres que le site en tire (ils ne se saisissent pas dans ce formulaire) :',
        false,
        derived,
      ),
    );
  if (fields.length === 0 && derived.length === 0)
    nodes.push(
      ...statusNodes('Il a été enregistré à nouveau sans changement des champs ni des chiffres de ses terrains.'),
    );
  nodes.push(...statusNodes('Rechargez la page pour reprendre vos modifications sur la version actuelle.'));
  status.replaceChildren(...nodes);
  // Below a long form on a phone: the refusal brought into view.
  status.scrollIntoView({ block: 'nearest' });
}

async function refused(res: Response): Promise<void> {
  if (res.status === 412) return sayChangedMeanwhile();
  const problem = (await res.json()) as { detail?: string };
  status.replaceChildren(...statusNodes(`Refusé : ${problem.detail ?? res.status}`, true));
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const changes: Record<string, unknown> = {};
  for (const element of form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')) {
    const value = formValue(element);
    if (!same(value, loaded.fields[element.name])) changes[element.name] = value;
  }
  if (Object.keys(changes).length === 0) return status.replaceChildren(...statusNodes('Rien à enregistrer.'));
  const res = await fetch(`/sites/${siteId}`, {
    method: 'PATCH',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'if-match': etag, 'x-csrf-token': csrf },
    body: JSON.stringify(changes),
  });
  if (!res.ok) return refused(res);
  sessionStorage.setItem('foncier-site-saved', siteId);
  location.reload();
});

if (sessionStorage.getItem('foncier-site-saved') === siteId) {
  sessionStorage.removeItem('foncier-site-saved');
  status.replaceChildren(...statusNodes('Enregistré.'));
}

// Soft delete, with the reason the audit log keeps (a site with live plots has no button).
const deleteForm = required<HTMLFormElement>('#site-delete-form');
deleteForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const reason = required<HTMLInputElement>('#site-delete-reason').value.trim();
  const res = await fetch(`/sites/${siteId}?${new URLSearchParams({ reason })}`, {
    method: 'DELETE',
    credentials: 'same-origin',
    headers: { 'if-match': etag, 'x-csrf-token': csrf },
  });
  if (!res.ok) return refused(res);
  location.assign(deleteForm.dataset.back ?? '/territoire');
});
