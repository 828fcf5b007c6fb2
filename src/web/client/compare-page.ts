// The comparison page: the sites it shows become the basket, so that a site removed here (its
// "Retirer" link leads to the comparison of the others) is out of the basket too. Opened
// without ids (the header's "Comparaison"), it goes to the basket's comparison when there is one.
import { compareUrl } from '../investor/links.js';
import { readBasket, removeFromBasket, writeBasket } from './compare-basket.js';

const table = document.querySelector<HTMLElement>('[data-compare-ids]');
if (table) {
  writeBasket((table.dataset.compareIds ?? '').split(',').filter(Boolean));
  for (const link of document.querySelectorAll<HTMLAnchorElement>('a[data-compare-remove]'))
    link.addEventListener('click', () => removeFromBasket(link.dataset.compareRemove ?? ''));
} else if (document.querySelector('[data-compare-basket]')) {
  const basket = readBasket();
  if (basket.length >= 2) location.replace(compareUrl(basket));
}
