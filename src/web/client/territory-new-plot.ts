// The inventory page's "new plot from parcels" form (web/territory/pages.tsx): POST /plots with
// the parcel ids and no geometry, so that the server takes their union from the cadastre; on
// success, to the new plot's page.
import { required } from './dom.js';

const form = required<HTMLFormElement>('#new-plot-form');
const status = required('#new-plot-status');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const text = (name: string) => String(data.get(name) ?? '');
  const body = {
    siteId: text('siteId'),
    cadastralRefs: text('cadastralRefs')
      .split(/[\s,;|]+/)
      .filter(Boolean)
      .map((ref) => ref.toUpperCase()),
    landControl: text('landControl'),
    developmentStage: text('developmentStage'),
    marketingStage: text('marketingStage'),
    occupation: text('occupation'),
    landUse: text('landUse'),
  };
  const res = await fetch('/plots', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': form.dataset.csrf ?? '' },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { id?: string; detail?: string };
  if (res.status === 201 && answer.id) {
    location.assign(`/territoire/terrains/${answer.id}`);
    return;
  }
  const message = document.createElement('p');
  message.className = 'form-error';
  message.setAttribute('role', 'alert');
  message.textContent = `Refusé : ${answer.detail ?? res.status}`;
  status.replaceChildren(message);
});
