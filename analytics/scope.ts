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
  // One flag per office, set once: the figures ask it for every one of a million stays.
  let includes = (_office: number) => true;
  if (scope.track || scope.region) {
    const mask = new Uint8Array(history.offices.length);
    history.offices.forEach((o, i) => {
      if ((!scope.track || o.track === scope.track) && (!scope.region || o.region === scope.region)) mask[i] = 1;
    });
    includes = (office) => mask[office] === 1;
  }
  return { period, start: Date.parse(period.start), end: Date.parse(period.end), includes };
}

/** The episode as it stood at `end`: still inside when it left at or after `end`. */
export function leftBy(e: Episode, end: number): number {
  return e.left < end ? e.left : Infinity;
}
