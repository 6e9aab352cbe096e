import { Templates } from '../notifications/templates';

const view = {
  office: { id: 'X1', name: '<img src=x onerror=alert(1)> & Co', country: 'SN', countryName: 'Sénégal', city: 'Dakar' },
  state: { path: 'invited', label: 'Invited', description: 'Waiting.' },
  since: '5 janvier 2026',
  days: 42,
  deadline: '4 février 2026',
  reminder: { level: 1, of: 3 },
  coordinator: { email: 'coordinator@wipo.example' },
  links: {
    confirm: 'https://links.example/r/a.b',
    decline: 'https://links.example/r/c.d',
    surveyed: 'https://links.example/r/e.f',
    ready: 'https://links.example/r/g.h',
    difficulty: 'https://links.example/r/i.j',
    nominate: 'https://links.example/r/k.l',
    installed: 'https://links.example/r/m.n',
  },
  linkExpires: '19 mars 2026',
  officeUrl: 'https://onboarding.example/offices/X1',
  workshopId: 'WS-1',
  overdue: [{ state: 'invited', label: 'Invited', since: '5 January 2026', daysOverdue: 12, remindersSent: 3, owner: 'the office' }],
  contacts: [{ name: 'Awa', email: 'awa@office.example' }],
};

describe('email templates', () => {
  const templates = new Templates();

  it('every kind renders in every language it has, with a subject naming the office and no placeholder left', () => {
    expect(templates.kinds()).toEqual(['bounce', 'circular', 'coordinator', 'escalation', 'installing', 'invited', 'reply', 'site', 'training', 'workshop']);
    for (const kind of templates.kinds()) {
      for (const language of ['en', 'fr', 'es']) {
        const email = templates.render(kind, language, view);
        expect(email.subject).toContain(view.office.name);
        expect(email.subject).not.toMatch(/[\r\n]/);
        for (const part of [email.subject, email.text, email.html]) expect(part).not.toMatch(/\{\{|\}\}/);
        // Text is plain; HTML escapes what came from the data.
        expect(email.html).not.toContain('<img');
        expect(email.html).toMatch(/&lt;img src(=|&#x3D;)x onerror(=|&#x3D;)alert\(1\)&gt; &amp; Co/);
        // The office's name stands on its own: never "l'office Office de…", "the Instituto…".
        for (const before of ['the ', "l'office ", 'la oficina ']) expect(email.text.toLowerCase()).not.toContain(`${before}${view.office.name}`.toLowerCase());
      }
    }
  });

  it('office templates exist in English, French and Spanish; other languages fall back to English', () => {
    for (const kind of ['circular', 'invited', 'site', 'training', 'workshop', 'installing']) {
      expect(templates.render(kind, 'fr', view).language).toBe('fr');
      expect(templates.render(kind, 'es', view).language).toBe('es');
      expect(templates.render(kind, 'de', view).language).toBe('en');
    }
    const fr = templates.render('invited', 'fr', view);
    expect(fr.text).toContain('Oui, nous sommes intéressés : https://links.example/r/a.b');
    expect(fr.html).toContain('href="https://links.example/r/a.b"');
    const site = templates.render('site', 'es', { ...view, links: { ready: 'https://links.example/r/g.h' } });
    expect(site.text).toContain('https://links.example/r/g.h');
    expect(site.text).not.toContain('https://links.example/r/e.f');
  });

  it('the escalation lists everything overdue for the office', () => {
    const email = templates.render('escalation', 'en', view);
    expect(email.text).toContain('- Invited (invited): since 5 January 2026, 12 days overdue, 3 reminder(s) sent, waiting on the office');
    expect(email.text).toContain('Awa <awa@office.example>');
  });
});
