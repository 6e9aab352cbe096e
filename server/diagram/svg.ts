import { escapeHtml as esc } from '../pages/html';
import type { LaidOutEdge, LaidOutNode, MachineLayout } from './layout';

/**
 * Draws a laid-out statechart as inline SVG. Styling lives in `public/app.css` (classes) and in
 * presentation attributes (heat colours), never in `style=""`, so a strict CSP holds.
 */

export interface StateFigures {
  count: number;
  stalled?: number;
  stuck?: number;
}

export interface DiagramOptions {
  /** Offices per state path (leaves and containers alike). Omit for a plain chart. */
  figures?: Record<string, StateFigures>;
  /** Current leaf states of one office: highlighted. */
  current?: string[];
  /** States the office has been in (any depth). */
  visited?: Set<string>;
  /** Edge ids the office's history went along. */
  traversed?: Set<string>;
  /** Link of each state (e.g. the offices in it). */
  href?: (path: string) => string | undefined;
  /**
   * Colour the states by this figure instead of the office count (e.g. median days in state), with
   * its text written on each state. States without a value are drawn empty.
   */
  heat?: Record<string, { value: number; text: string }>;
  /** Accessible name of the whole drawing. */
  title: string;
  id?: string;
}

/**
 * Where offices are: a neutral, sequential single-hue scale (ColorBrewer Blues, light to dark), so
 * a count never looks like a warning. Difficulties are drawn apart from it, in warm colours: a
 * stalled state gets an orange outline and badge, a stuck one a dashed vermillion outline and
 * badge. Counts are written as text on every state, so colour is never the only carrier; text is
 * dark on the light steps and white on the dark ones (contrast 4.5:1 or more either way).
 */
const HEAT = ['#eef5fc', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'];
const EMPTY_FILL = '#f7f8fa';
/** First step dark enough for white text. */
const FIRST_DARK = 6;

export function heatColour(count: number, max: number): { fill: string; dark: boolean } {
  if (count <= 0 || max <= 0) return { fill: EMPTY_FILL, dark: false };
  const t = Math.sqrt(count / max);
  const index = Math.max(1, Math.min(HEAT.length - 1, Math.floor(t * (HEAT.length - 1) + 0.5)));
  return { fill: HEAT[index]!, dark: index >= FIRST_DARK };
}

/** Approximate width of the badge text (11.5 px bold). */
const badgeWidth = (text: string) => text.length * 6.6 + 12;

export const HEAT_SCALE = HEAT;

const f = (n: number) => (Math.round(n * 10) / 10).toString();
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

function figureText(fig: StateFigures | undefined): { count: string; issues: string } {
  if (!fig) return { count: '', issues: '' };
  const issues = [fig.stalled ? `${fig.stalled} stalled` : '', fig.stuck ? `${fig.stuck} stuck` : ''].filter(Boolean).join(' · ');
  return { count: plural(fig.count, 'office'), issues };
}

function leaf(node: LaidOutNode, options: DiagramOptions, max: number): string {
  const state = node.state!;
  const fig = options.figures?.[node.path];
  const office = options.current !== undefined;
  const isCurrent = options.current?.includes(node.path) ?? false;
  const wasVisited = options.visited?.has(node.path) ?? false;
  const metric = options.heat?.[node.path];
  const heat = office
    ? { fill: isCurrent ? '#cfe3f3' : wasVisited ? '#eef4f9' : '#ffffff', dark: false }
    : heatColour(options.heat ? (metric?.value ?? 0) : (fig?.count ?? 0), max);
  const { count: officeCount, issues } = figureText(fig);
  const count = options.heat ? (metric?.text ?? '') : officeCount;
  const classes = ['node', 'leaf', `owner-${state.meta.owner}`];
  if (state.type === 'final') classes.push('final');
  if (isCurrent) classes.push('current');
  else if (office && !wasVisited) classes.push('unvisited');
  if (fig?.stuck) classes.push('has-stuck');
  else if (fig?.stalled) classes.push('has-stalled');
  if (heat.dark) classes.push('dark');
  const cx = node.x + node.width / 2;
  const lines: string[] = [];
  lines.push(
    `<rect class="box" x="${f(node.x)}" y="${f(node.y)}" width="${f(node.width)}" height="${f(node.height)}" rx="${state.type === 'final' ? 14 : 8}" fill="${heat.fill}"/>`,
  );
  lines.push(`<text class="label" x="${f(cx)}" y="${f(node.y + 19)}">${esc(state.meta.label)}</text>`);
  if (office) {
    const note = isCurrent ? 'current' : wasVisited ? 'visited' : '';
    if (note) lines.push(`<text class="count" x="${f(cx)}" y="${f(node.y + 38)}">${note}</text>`);
  } else if (options.heat) {
    if (metric) lines.push(`<text class="count" x="${f(cx)}" y="${f(node.y + 38)}" data-value="${metric.value}">${esc(count)}</text>`);
  } else if (fig) {
    lines.push(`<text class="count" x="${f(cx)}" y="${f(node.y + 38)}" data-count="${fig.count}">${esc(count)}</text>`);
    if (issues) {
      // A warm badge of its own, whatever the heat fill beneath: the difficulty reads at a glance.
      const w = Math.min(node.width - 8, badgeWidth(issues));
      lines.push(`<rect class="issues-badge" x="${f(cx - w / 2)}" y="${f(node.y + 44)}" width="${f(w)}" height="16" rx="8"/>`);
      lines.push(`<text class="issues" x="${f(cx)}" y="${f(node.y + 56)}">${esc(issues)}</text>`);
    }
  }
  const owner = state.meta.owner === 'wipo' ? 'WIPO' : 'office';
  lines.push(`<text class="owner" x="${f(node.x + node.width - 6)}" y="${f(node.y + node.height - 5)}">${owner}</text>`);
  // The accessible name starts with the visible text, in its order (WCAG 2.5.3), then says what the owner word means.
  const visible = [state.meta.label, office ? (isCurrent ? 'current' : wasVisited ? 'visited' : '') : count, issues, owner];
  const describe = `${visible.filter(Boolean).join(', ')} to act${isCurrent ? ' (current state)' : ''}`;
  return wrap(node, options, classes, describe, `${state.meta.label}: ${state.meta.description}`, lines.join(' '));
}

function container(node: LaidOutNode, options: DiagramOptions): string {
  const state = node.state!;
  const fig = options.figures?.[node.path];
  const isCurrent = options.current?.some((p) => p.startsWith(node.path + '.')) ?? false;
  const classes = ['node', node.region ? 'region' : 'compound', state.type === 'parallel' ? 'parallel' : ''].filter(Boolean);
  if (isCurrent) classes.push('current');
  const title = node.region ? `${state.meta.label} (parallel region)` : state.type === 'parallel' ? `${state.meta.label} — regions run in parallel` : state.meta.label;
  const figure = fig && !node.region && options.current === undefined ? ` · ${plural(fig.count, 'office')}` : '';
  const issues = fig && !node.region && options.current === undefined ? figureText(fig).issues : '';
  const box = `<rect class="box" x="${f(node.x)}" y="${f(node.y)}" width="${f(node.width)}" height="${f(node.height)}" rx="10"/>`;
  const header = `<text class="title" x="${f(node.x + 12)}" y="${f(node.y + 20)}">${esc(title + figure)}${issues ? `<tspan class="issues"> · ${esc(issues)}</tspan>` : ''}</text>`;
  return wrap(node, options, classes, `${title}${figure}${issues ? `, ${issues}` : ''}`, `${state.meta.label}: ${state.meta.description}`, header, box);
}

/** `box` is a container's frame: outside the link, so only its header links and the states inside stay clickable. */
function wrap(node: LaidOutNode, options: DiagramOptions, classes: string[], label: string, tip: string, body: string, box = ''): string {
  const href = options.href?.(node.path);
  const attrs = `class="${classes.join(' ')}" data-path="${esc(node.path)}"`;
  const tooltip = `<title>${esc(tip)}</title>`;
  if (!href) return `<g ${attrs} role="img" aria-label="${esc(label)}">${tooltip}${box}${body}</g>`;
  // A link is named by its <title> (SVG-AAM), which also is its tooltip: an aria-label would have to
  // repeat the box's visible words in their order (WCAG 2.5.3), which scattered SVG text does not give.
  const named = `<title>${esc(`${label}. ${tip}`)}</title>`;
  if (box) return `<g ${attrs}>${box}<a href="${esc(href)}">${named}${body}</a></g>`;
  return `<a href="${esc(href)}">${named}<g ${attrs}>${body}</g></a>`;
}

function edge(e: LaidOutEdge, options: DiagramOptions): string {
  const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${f(p.x)},${f(p.y)}`).join(' ');
  const classes = ['edge'];
  if (e.guarded) classes.push('guarded');
  if (e.event === '') classes.push('initial');
  if (e.event === 'done') classes.push('done');
  if (options.traversed?.has(e.id)) classes.push('traversed');
  const marker = options.traversed?.has(e.id) ? 'arrow-hot' : 'arrow';
  let label = '';
  if (e.label && e.labelBox) {
    const b = e.labelBox;
    label = `<text class="edge-label" x="${f(b.x + b.width / 2)}" y="${f(b.y + b.height - 4)}">${esc(e.label + (e.guarded ? ' *' : ''))}</text>`;
  }
  return `<g class="${classes.join(' ')}" data-event="${esc(e.event)}" data-source="${esc(e.source)}" data-target="${esc(e.target)}"><path d="${d}" marker-end="url(#${options.id ?? 'chart'}-${marker})"/>${label}</g>`;
}

export function renderDiagram(layout: MachineLayout, options: DiagramOptions): string {
  const id = options.id ?? 'chart';
  const leafCounts = layout.nodes
    .filter((n) => n.kind === 'state' && n.state?.states.length === 0)
    .map((n) => (options.heat ? (options.heat[n.path]?.value ?? 0) : (options.figures?.[n.path]?.count ?? 0)));
  const max = Math.max(0, ...leafCounts);
  const parts: string[] = [];
  parts.push(
    `<svg class="statechart" id="${esc(id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f(layout.width)} ${f(layout.height + 24)}" width="${f(layout.width)}" height="${f(layout.height + 24)}" role="group" aria-label="${esc(options.title)}">`,
    `<title>${esc(options.title)}</title>`,
    `<defs>`,
    `<marker id="${id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker>`,
    `<marker id="${id}-arrow-hot" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead hot"/></marker>`,
    `</defs>`,
  );
  // Containers first (outermost first), then edges, then leaves on top so labels stay readable.
  for (const node of layout.nodes) if (node.kind === 'state' && node.state!.states.length > 0) parts.push(container(node, options));
  for (const e of layout.edges) parts.push(edge(e, options));
  for (const node of layout.nodes) {
    if (node.kind === 'initial') {
      parts.push(`<circle class="initial-dot" cx="${f(node.x + node.width / 2)}" cy="${f(node.y + node.height / 2)}" r="6"/>`);
    } else if (node.state!.states.length === 0) {
      parts.push(leaf(node, options, max));
    }
  }
  for (const note of layout.fromAnyState) {
    for (const target of note.targets) {
      const node = layout.nodes.find((n) => n.path === target);
      if (!node) continue;
      parts.push(`<text class="edge-label any" x="${f(node.x + node.width / 2)}" y="${f(node.y + node.height + 15)}">${esc(`${note.label}: from any state`)}</text>`);
    }
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Which edges a history went along: same event, leaving one of its `from` states for one of its `to` states. */
export function traversedEdges(layout: MachineLayout, history: { type: string; from: string[]; to: string[] }[]): Set<string> {
  const within = (path: string, states: string[]) => states.some((s) => s === path || s.startsWith(path + '.'));
  const out = new Set<string>();
  for (const entry of history) {
    for (const e of layout.edges) {
      if (e.event === '' || !within(e.source, entry.from) || !within(e.target, entry.to)) continue;
      if (e.event === entry.type || e.event === 'done') out.add(e.id);
    }
  }
  return out;
}

/** Every state path the history touched, with its ancestors. */
export function visitedStates(history: { from: string[]; to: string[] }[]): Set<string> {
  const out = new Set<string>();
  for (const entry of history) {
    for (const leafPath of [...entry.from, ...entry.to]) {
      const parts = leafPath.split('.');
      for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join('.'));
    }
  }
  return out;
}
