// The comparison basket in the browser: site ids in localStorage (the contract is in
// ../investor/links.ts, shared with the home page's result list). A browser without storage
// (private mode, storage disabled) keeps the basket for the page's lifetime only.
import { compareBasketKey, compareMax } from '../investor/links.js';

let memory: string[] = [];

export function readBasket(): string[] {
  try {
    const stored = JSON.parse(localStorage.getItem(compareBasketKey) ?? '[]') as unknown;
    return Array.isArray(stored)
      ? stored.filter((id): id is string => typeof id === 'string').slice(0, compareMax)
      : [];
  } catch {
    return memory;
  }
}

export function writeBasket(ids: string[]): void {
  memory = [...new Set(ids)].slice(0, compareMax);
  try {
    localStorage.setItem(compareBasketKey, JSON.stringify(memory));
  } catch {
    // Storage refused: the basket lives in memory.
  }
}

/** Adds `id` (at the end); when the basket is full the oldest site makes room. */
export function addToBasket(id: string): string[] {
  const ids = readBasket().filter((other) => other !== id);
  ids.push(id);
  writeBasket(ids.slice(-compareMax));
  return readBasket();
}

export function removeFromBasket(id: string): string[] {
  writeBasket(readBasket().filter((other) => other !== id));
  return readBasket();
}
