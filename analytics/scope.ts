import { makePeriod, type Period } from '../programme/report/period';
import type { Track } from '../machines/office';
import type { Episode, History } from './episodes';

/** Which offices and which days an analytics figure covers. */
export interface Scope {
  /** Calendar days YYYY-MM-DD, inclusive; the figures are as of the first instant after `to`. */
  from: string;
  to: string;
  track?: Track;
  region?: string;
}

export interface Window {
  period: Period;
  start: number;
  end: number;
  /** Whether an office (index into History.offices) is in the selection. */
  includes(office: number): boolean;
}

export function windowOf(history: History, scope: Scope): Window {
  const period = makePeriod(scope.from, scope.to);
  const includes = (office: number) => {
    const o = history.offices[office]!;
    return (!scope.track || o.track === scope.track) && (!scope.region || o.region === scope.region);
  };
  return { period, start: Date.parse(period.start), end: Date.parse(period.end), includes };
}

/** The episode as it stood at `end`: still inside when it left at or after `end`. */
export function leftBy(e: Episode, end: number): number {
  return e.left < end ? e.left : Infinity;
}
