// Rounding of the figures the API and the demo data write: one helper, so that every document
// rounds alike (Math.round: halves upwards) and a missing figure stays missing. Each caller
// names its precision: hectares to 4 decimals are square metres, to 2 they are 100 m².
export function round(value: number, digits: number): number;
export function round(value: number | null | undefined, digits: number): number | null;
export function round(value: number | null | undefined, digits: number): number | null {
  return value === null || value === undefined ? null : Math.round(value * 10 ** digits) / 10 ** digits;
}
