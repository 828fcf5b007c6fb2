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
