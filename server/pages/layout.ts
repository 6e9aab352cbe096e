import { getCountry } from 'countries-and-timezones';
import { html, type Html, type Interpolation } from './html';
import { requestPrincipal } from '../auth/context';

/** Which page this is: highlights its link in the navigation and tells the client script what to refresh. */
export type Section = 'overview' | 'stuck' | 'offices' | 'register' | 'office' | 'programme' | 'signin' | 'account' | 'users' | 'audit' | 'analytics' | 'forecast' | 'map';

const NAV: { section: Section; href: string; label: string }[] = [
  { section: 'overview', href: '/', label: 'Overview' },
  { section: 'stuck', href: '/stuck', label: 'Stuck offices' },
  { section: 'offices', href: '/offices', label: 'Offices' },
  { section: 'register', href: '/register', label: 'Register office' },
  { section: 'programme', href: '/programme', label: 'Programme' },
  { section: 'analytics', href: '/analytics', label: 'Analytics' },
  { section: 'forecast', href: '/forecast', label: 'Forecast' },
  { section: 'map', href: '/map', label: 'Map' },
];

/**
 * The page shell: one stylesheet and one script, both from /static (no inline script or style, so
 * the Content-Security-Policy can forbid them). `data-page` tells the script which page it is on.
 */
export function page(options: {
  title: string;
  section: Section;
  body: Interpolation;
  data?: Record<string, string>;
  /** The session's CSRF token: the client script sends it as X-CSRF-Token with every write. */
  csrfToken?: string;
}): string {
  const data = Object.entries(options.data ?? {}).map(([k, v]) => html` data-${k}="${v}"`);
  const principal = requestPrincipal.getStore() ?? null;
  const csrfToken = options.csrfToken ?? principal?.csrfToken;
  const nav = [
    ...NAV,
    ...(principal ? [{ section: 'account' as const, href: '/account', label: 'Account' }] : []),
    ...(principal?.role === 'admin'
      ? [
          { section: 'users' as const, href: '/admin/users', label: 'Users' },
          { section: 'audit' as const, href: '/audit', label: 'Audit' },
        ]
      : []),
  ];
  return (
    '<!doctype html>' +
    html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Office onboarding</title>
<link rel="stylesheet" href="/static/app.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
${csrfToken ? html`<meta name="csrf-token" content="${csrfToken}">` : ''}
<script src="/static/app.js" defer></script>
</head>
<body data-page="${options.section}"${data}>
<a class="skip" href="#main">Skip to content</a>
<header class="topbar"><div class="inner">
<a class="brand" href="/">Office onboarding <span>· WIPOnet</span></a>
<nav class="nav" aria-label="Main">${(principal ? nav : []).map(
      (n) => html`<a href="${n.href}"${n.section === options.section ? html` aria-current="page"` : ''}>${n.label}</a>`,
    )}</nav>
<span class="live" id="live-status" role="status" aria-live="polite">Connecting…</span>
</div></header>
<main id="main" tabindex="-1">
${options.body}
</main>
</body>
</html>`.value
  );
}

export function countryName(code: string): string {
  return getCountry(code)?.name ?? code;
}

/** `2026-11-28 14:05 UTC`, in a <time> element. */
export function when(iso: string | null | undefined, dateOnly = false): Html {
  if (!iso) return html`<span class="muted">—</span>`;
  const text = dateOnly ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return html`<time datetime="${iso}">${text}</time>`;
}

export const number = (n: number) => n.toLocaleString('en-US');
