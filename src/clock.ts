// The app's one clock. Every date the app ranks by, shows or stamps on a record (a search's
// availability score, a sheet's or report's date, updatedOn, a label's date) comes from here, and
// reaches SQL as a parameter, never as current_date: tests and reproducible exports pin it
// (FONCIER_TODAY), and a ranking does not change from one day to the next under a test.
// Row timestamps (updated_at, the audit log's at) stay the database's transaction time: they
// record when a write happened, which no configuration should move.

export interface Clock {
  /** The current instant. */
  now(): Date;
  /** Today's date in France (Europe/Paris), as YYYY-MM-DD. */
  today(): string;
}

/** A calendar date as the app writes it: YYYY-MM-DD. */
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

// en-CA formats dates as YYYY-MM-DD.
const parisDate = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/Paris',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

export const systemClock: Clock = {
  now: () => new Date(),
  today: () => parisDate.format(new Date()),
};

/**
 * A clock stopped on a date (noon, Paris time in winter) or on an instant: for tests and for
 * exports that must come out the same whenever they are made.
 */
export function fixedClock(at: string): Clock {
  const instant = new Date(ISO_DATE.test(at) ? `${at}T11:00:00Z` : at);
  if (Number.isNaN(instant.getTime())) throw new RangeError(`not a date or an instant: ${JSON.stringify(at)}`);
  const today = ISO_DATE.test(at) ? at : parisDate.format(instant);
  return { now: () => new Date(instant), today: () => today };
}
