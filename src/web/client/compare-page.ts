// The comparison page: the sites it shows become the basket, so that a site removed here
// (its "Retirer" link leads to the comparison of the others) is out of the basket too.
import { required } from './dom.js';
import { removeFromBasket, writeBasket } from './compare-basket.js';

const table = required<HTMLElement>('[data-compare-ids]');
writeBasket((table.dataset.compareIds ?? '').split(',').filter(Boolean));
for (const link of document.querySelectorAll<HTMLAnchorElement>('a[data-compare-remove]'))
  link.addEventListener('click', () => removeFromBasket(link.dataset.compareRemove ?? ''));
