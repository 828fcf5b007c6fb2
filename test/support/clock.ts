// The date every test app runs on: rankings, sheets and reports never follow the calendar, and
// CI runs the suite again under faketime to prove it. 2026-11-25 is the day the CNIG CSV golden
// files were recorded.
import { fixedClock } from '../../src/clock.js';

export const TEST_TODAY = '2026-11-25';
export const testClock = fixedClock(TEST_TODAY);
