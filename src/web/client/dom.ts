// Small DOM helpers shared by the pages' client scripts.

/** The element matching `selector`, or an error naming it (a page without it is a bug). */
export function required<T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`missing element ${selector}`);
  return found;
}

/** French number formatting, as the server-rendered pages write numbers (`12,5`). */
export function formatNumber(value: number, maximumFractionDigits = 1): string {
  return new Intl.NumberFormat('fr-FR', { maximumFractionDigits }).format(value);
}

/** A status message for an aria-live region: a paragraph (an alert when `alert`), then a list. */
export function statusNodes(text: string, alert = false, items: string[] = []): Node[] {
  const paragraph = document.createElement('p');
  paragraph.textContent = text;
  if (alert) {
    paragraph.className = 'form-error';
    paragraph.setAttribute('role', 'alert');
  }
  if (items.length === 0) return [paragraph];
  const list = document.createElement('ul');
  for (const item of items) {
    const li = document.createElement('li');
    li.textContent = item;
    list.append(li);
  }
  return [paragraph, list];
}
