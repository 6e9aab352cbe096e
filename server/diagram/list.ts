import { describeMachine, type StateDescription } from '../../machines/describe';
import { escapeHtml as esc } from '../pages/html';
import type { StateFigures } from './svg';

/**
 * The lifecycle as an ordered list of stages and their states, in the chart's own order: the
 * drawing's text alternative, and what a phone shows instead of a shrunken drawing. The current
 * states are marked (`aria-current="step"`), as are the figures of the overview.
 */
export interface LifecycleListOptions {
  current?: string[];
  visited?: Set<string>;
  figures?: Record<string, StateFigures>;
  href?: (path: string) => string | undefined;
  label: string;
}

const root = describeMachine().root;
const plural = (n: number, one: string) => `${n.toLocaleString('en-US')} ${n === 1 ? one : `${one}s`}`;

function item(state: StateDescription, options: LifecycleListOptions): string {
  const current = options.current?.some((c) => c === state.path || c.startsWith(state.path + '.')) ?? false;
  const leafCurrent = options.current?.includes(state.path) ?? false;
  const visited = options.visited?.has(state.path) ?? false;
  const fig = options.figures?.[state.path];
  const classes = ['stage', state.states.length ? 'container' : 'leaf', current ? 'current' : visited ? 'visited' : '', state.type === 'final' ? 'final' : '']
    .filter(Boolean)
    .join(' ');
  const href = options.href?.(state.path);
  const label = href ? `<a href="${esc(href)}">${esc(state.meta.label)}</a>` : esc(state.meta.label);
  const notes: string[] = [];
  if (leafCurrent) notes.push('<span class="badge state">current</span>');
  else if (visited && options.current && !state.states.length) notes.push('<span class="small muted">done</span>');
  if (fig) {
    const issues = [fig.stalled ? `${fig.stalled} stalled` : '', fig.stuck ? `${fig.stuck} stuck` : ''].filter(Boolean).join(' · ');
    notes.push(`<span class="count">${esc(plural(fig.count, 'office'))}</span>${issues ? ` <span class="issues">${esc(issues)}</span>` : ''}`);
  }
  const region = state.type === 'parallel' ? ' <span class="small muted">(side by side)</span>' : '';
  const children = state.states.length ? `<ol>${state.states.map((s) => item(s, options)).join('')}</ol>` : '';
  return `<li class="${classes}"${leafCurrent ? ' aria-current="step"' : ''} data-path="${esc(state.path)}"><span class="name">${label}</span>${region} ${notes.join(' ')}${children}</li>`;
}

export function renderLifecycleList(options: LifecycleListOptions): string {
  return `<ol class="lifecycle-list" aria-label="${esc(options.label)}">${root.states.map((s) => item(s, options)).join('')}</ol>`;
}
