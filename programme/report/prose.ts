import { getCountry } from 'countries-and-timezones';
import { longDate } from './period';
import type { ProgressReport, StalledOffice } from './progress';
import { inlineNumber, plural, sentenceNumber } from './words';

/**
 * The report as text, in the manner of the progress reports to the working group ("A further eight
 * offices received the WIPOnet kit, bringing the total number of installed offices to 51."). The
 * Markdown and HTML renderings both read this, so they always say the same thing.
 */
export interface ReportTable {
  caption: string;
  head: string[];
  rows: string[][];
}

export interface ReportSection {
  heading: string;
  paragraphs: string[];
  /** Numbered points, like the paragraphs of the working-group documents. */
  points: string[];
  table?: ReportTable;
  /** The installations chart goes here (HTML: an SVG; Markdown: a table). */
  chart?: boolean;
}

export interface ReportDocument {
  title: string;
  subtitle: string;
  sections: ReportSection[];
}

const countryName = (code: string) => getCountry(code)?.name ?? code;

/** "Intellectual Property Office of Ghana", or "Patent Office (Ghana)" when the name does not say where. */
const officeWithCountry = (name: string, code: string) => (name.includes(countryName(code)) ? name : `${name} (${countryName(code)})`);

export function describeStalled(s: StalledOffice): string {
  return `${officeWithCountry(s.name, s.country)}, ${s.stateLabel.toLowerCase()} since ${longDate(s.enteredAt.slice(0, 10))}: ${s.daysInState} days in that state, ${s.daysOverdue} ${plural(s.daysOverdue, 'day', 'days')} beyond the agreed time`;
}

function installedSentence(r: ProgressReport): string {
  const total = `the total number of offices with an installed kit`;
  if (r.installedInPeriod === 0) return `No further office received the WIPOnet kit during the period; ${total} remains ${r.installedTotal}.`;
  const who = r.installedInPeriod === 1 ? 'One further office' : `A further ${inlineNumber(r.installedInPeriod)} offices`;
  return `${who} received the WIPOnet kit, bringing ${total} to ${r.installedTotal}.`;
}

/** Internet-track offices get no kit: they are connected to the services over the Internet. */
function connectedSentence(r: ProgressReport): string | null {
  if (r.connectedTotal === 0) return null;
  const now = `${r.connectedTotal === 1 ? 'one office is' : `${inlineNumber(r.connectedTotal)} offices are`} connected to the WIPOnet services over the Internet`;
  if (r.connectedInPeriod === 0) return `No further office was connected over the Internet during the period; ${now}.`;
  const who = r.connectedInPeriod === 1 ? 'One further office was' : `A further ${inlineNumber(r.connectedInPeriod)} offices were`;
  return `${who} connected to the services over the Internet, without a kit; in all, ${now}.`;
}

function preparingSentence(r: ProgressReport): string {
  if (r.preparingForDeployment === 0) return 'No office is preparing for deployment.';
  // Not the overview's "preparing" figure: kit-track offices from their yes to the kit's arrival.
  return `${sentenceNumber(r.preparingForDeployment)} ${plural(r.preparingForDeployment, 'office is', 'offices are')} now preparing for deployment of the kit (site, training or delivery).`;
}

export function reportDocument(r: ProgressReport): ReportDocument {
  const { period } = r;
  const sections: ReportSection[] = [];

  const connected = connectedSentence(r);
  const summary = [installedSentence(r), ...(connected ? [connected] : []), preparingSentence(r)];
  if (r.keyIssues.siteDifficulties > 0) {
    summary.push(
      `Some of the pending offices are experiencing difficulties in site preparation (${inlineNumber(r.keyIssues.siteDifficulties)} at the end of the period), resulting in delays in deployment.`,
    );
  }
  if (r.awaitingGoldDisk > 0) {
    summary.push(
      `The deployment of ${inlineNumber(r.awaitingGoldDisk)} ${plural(r.awaitingGoldDisk, 'office', 'offices')} is on hold until the new version of the Gold Disk is delivered.`,
    );
  }
  sections.push({ heading: 'Summary of progress', paragraphs: summary, points: [] });

  const achieved: string[] = [];
  achieved.push(
    r.installedInPeriod === 0
      ? 'No office received the WIPOnet kit.'
      : `${r.installedInPeriod === 1 ? 'One further office' : `A further ${inlineNumber(r.installedInPeriod)} offices`} received the WIPOnet kit.`,
  );
  if (r.connectedInPeriod > 0) {
    achieved.push(
      `${r.connectedInPeriod === 1 ? 'One further office was' : `A further ${inlineNumber(r.connectedInPeriod)} offices were`} connected to the services over the Internet.`,
    );
  }
  const letters =
    r.circularLettersInPeriod === 0
      ? 'No circular letter sent'
      : `${sentenceNumber(r.circularLettersInPeriod)} circular ${plural(r.circularLettersInPeriod, 'letter', 'letters')} sent to offices, ascertaining their interest in participating in the WIPOnet Project`;
  const replies = `${inlineNumber(r.affirmativeRepliesInPeriod)} affirmative ${plural(r.affirmativeRepliesInPeriod, 'reply', 'replies')} received`;
  const declined = r.declinedInPeriod > 0 ? `; ${inlineNumber(r.declinedInPeriod)} ${plural(r.declinedInPeriod, 'office', 'offices')} declined` : '';
  achieved.push(`${letters}; ${replies}${declined}.`);
  achieved.push(
    r.focalPointsTrained === 0
      ? 'No focal point has been trained yet.'
      : `${sentenceNumber(r.focalPointsTrained)} focal ${plural(r.focalPointsTrained, 'point', 'points')} of ${r.officesTrained} different ${plural(r.officesTrained, 'office', 'offices')} from ${r.countriesTrained} ${plural(r.countriesTrained, 'country', 'countries')} ${plural(r.focalPointsTrained, 'has', 'have')} been trained.`,
  );
  sections.push({
    heading: `Milestones achieved in the period (${longDate(period.from)} to ${longDate(period.to)})`,
    paragraphs: [],
    points: achieved,
  });

  const next: string[] = [];
  const workshops =
    r.workshopsPlanned > 0
      ? `${sentenceNumber(r.workshopsPlanned)} more WIPOnet training ${plural(r.workshopsPlanned, 'workshop has', 'workshops have')} been planned: ${r.plannedWorkshops
          .map((w) => `${w.city} (${countryName(w.country)}), ${longDate(w.start)}`)
          .join('; ')}.`
      : 'No further training workshop has been planned yet.';
  if (r.awaitingGoldDisk > 0) {
    next.push(
      `Delivery of the new version of the Gold Disk, followed by the re-start of the deployment of the remaining ${r.awaitingGoldDisk === 1 ? 'office' : `${inlineNumber(r.awaitingGoldDisk)} offices`}.`,
    );
  }
  next.push(workshops);
  sections.push({ heading: 'Milestones for the next period', paragraphs: [], points: next });

  const issues: string[] = [];
  const { keyIssues } = r;
  const table: ReportTable | undefined =
    keyIssues.groups.length > 0
      ? {
          caption: 'Stalled offices at the end of the period, by stage and by whom they wait on',
          head: ['Stage', 'Waiting on', 'Offices', 'Longest stalled'],
          rows: keyIssues.groups.map((g) => [
            g.stageLabel,
            g.owner === 'office' ? 'the office' : 'WIPO',
            String(g.offices),
            `${g.longest.name} (${g.longest.stateLabel.toLowerCase()}, ${g.longest.daysOverdue} days overdue)`,
          ]),
        }
      : undefined;
  if (keyIssues.stalledOffices === 0) {
    issues.push('No office had stayed in a stage longer than the agreed time at the end of the period.');
  } else {
    issues.push(
      `${sentenceNumber(keyIssues.stalledOffices)} ${plural(keyIssues.stalledOffices, 'office has', 'offices have')} stayed in a stage longer than the agreed time.`,
    );
    if (keyIssues.longestStalled) issues.push(`The longest stalled is ${describeStalled(keyIssues.longestStalled)}.`);
    if (keyIssues.groups.some((g) => g.owner === 'office')) {
      issues.push(
        "IPOs' timely response to WIPO communications concerning WIPOnet kit deployment, site preparation and availability of focal points for training would facilitate the timely delivery of the Project.",
      );
    }
  }
  sections.push({ heading: 'Key issues', paragraphs: [], points: issues, table });

  sections.push({
    heading: 'Installations per quarter',
    paragraphs: [
      `Offices that received the WIPOnet kit in each quarter, up to ${r.installationsByQuarter.at(-1)?.quarter.replace('-', ' ') ?? period.label}: ${r.installedTotal} in all, the offices with an installed kit at the end of the period (Internet-track offices, connected without a kit, are not among them).`,
    ],
    points: [],
    chart: true,
  });

  return {
    title: `WIPOnet progress report — ${period.label}`,
    subtitle: `Figures computed from the office histories as of the end of ${longDate(period.to)}.`,
    sections,
  };
}

/** The figures table the Markdown and the PDF end with, in one order and one wording. */
export function reportFigures(report: ProgressReport): [string, number][] {
  return [
    ['Kits installed in the period', report.installedInPeriod],
    ['Kits installed to date (total)', report.installedTotal],
    ['Connected over the Internet in the period', report.connectedInPeriod],
    ['Connected over the Internet (total)', report.connectedTotal],
    ['Handed over to IT operations', report.figures.handedOver],
    ['Invited, awaiting reply', report.figures.invited],
    ['Preparing site and training', report.figures.preparing],
    ['Preparing for deployment', report.preparingForDeployment],
    ['Circular letters sent in the period', report.circularLettersInPeriod],
    ['Affirmative replies in the period', report.affirmativeRepliesInPeriod],
    ['Declined in the period', report.declinedInPeriod],
    ['Focal points trained', report.focalPointsTrained],
    ['Offices with a trained focal point', report.officesTrained],
    ['Countries with a trained focal point', report.countriesTrained],
    ['Workshops planned', report.workshopsPlanned],
    ['Offices awaiting the Gold Disk', report.awaitingGoldDisk],
    ['Stalled offices', report.keyIssues.stalledOffices],
    ['Stuck offices (escalated)', report.figures.stuck],
  ];
}
