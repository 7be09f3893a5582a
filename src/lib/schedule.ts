/**
 * @module Schedules as people write them: a cron expression croner accepts, or words (`every_15_minutes`,
 * `hourly`, `daily`, `weekly`, the sync-engine API's vocabulary). A sync stores what was written, so the API and
 * config as code show it back unchanged; the scheduler and the next-run time read it through `scheduleToCron`.
 */
import { Cron } from 'croner';

const EVERY_N_MINUTES = /^every_(\d{1,4})_minutes?$/;

const WORDS: Record<string, string> = {
  hourly: '0 * * * *',
  daily: '0 0 * * *',
  weekly: '0 0 * * 0',
};

/** What a schedule may be, for error messages. */
export const SCHEDULE_FORMS =
  'a cron expression such as "*/15 * * * *", or every_N_minutes (N divides an hour or a day), hourly, daily, weekly';

/**
 * The cron expression a schedule stands for; undefined when it is none of the accepted forms. Minute intervals
 * must divide evenly into an hour or a day to be a cron step (every_7_minutes would drift across the hour).
 */
export function scheduleToCron(schedule: string): string | undefined {
  const value = schedule.trim();
  const word = WORDS[value];
  if (word) return word;
  const every = EVERY_N_MINUTES.exec(value);
  if (every) {
    const n = Number(every[1]);
    if (n >= 1 && n < 60 && 60 % n === 0) return n === 1 ? '* * * * *' : `*/${n} * * * *`;
    if (n >= 60 && n % 60 === 0 && 24 % (n / 60) === 0) return n === 60 ? '0 * * * *' : `0 */${n / 60} * * *`;
    return undefined;
  }
  try {
    new Cron(value, { paused: true }).stop();
    return value;
  } catch {
    return undefined;
  }
}
