import fs from 'node:fs';
import path from 'node:path';
import Mustache from 'mustache';

/**
 * Email templates kept as files a non-programmer can edit (see templates/README.md):
 * `<kind>.<lang>.txt.mustache` (first line `Subject: …`) and optionally `<kind>.<lang>.html.mustache`.
 */
export const TEMPLATES_DIR = path.join(__dirname, 'templates');
export const FALLBACK_LANGUAGE = 'en';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  /** The language actually used (the office's, or the fallback). */
  language: string;
}

interface TemplateFiles {
  subject: string;
  text: string;
  html: string | null;
}

const noEscape = { escape: (value: unknown) => String(value) };

export function templateKinds(dir: string = TEMPLATES_DIR): string[] {
  const kinds = new Set<string>();
  for (const file of fs.readdirSync(dir)) {
    const match = /^([a-z][a-z0-9-]*)\.en\.txt\.mustache$/.exec(file);
    if (match) kinds.add(match[1]!);
  }
  return [...kinds].sort();
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Plain text to simple HTML: paragraphs, `- ` lines as a list, http(s) URLs as links. */
export function textToHtml(text: string): string {
  const linkify = (escaped: string) => escaped.replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`);
  return text
    .trim()
    .split(/\n{2,}/)
    .map((block) => {
      const lines = block.split('\n');
      const out: string[] = [];
      let list: string[] = [];
      const flush = () => {
        if (list.length) out.push(`<ul>${list.map((l) => `<li>${l}</li>`).join('')}</ul>`);
        list = [];
      };
      const para: string[] = [];
      for (const line of lines) {
        const html = linkify(escapeHtml(line));
        if (line.startsWith('- ')) {
          if (para.length) out.push(`<p>${para.splice(0).join('<br>')}</p>`);
          list.push(html.slice(2));
        } else {
          flush();
          para.push(html);
        }
      }
      flush();
      if (para.length) out.push(`<p>${para.join('<br>')}</p>`);
      return out.join('\n');
    })
    .join('\n');
}

export class Templates {
  private readonly cache = new Map<string, TemplateFiles | null>();
  private readonly layout: string;

  constructor(private readonly dir: string = TEMPLATES_DIR) {
    this.layout = fs.readFileSync(path.join(dir, 'layout.html.mustache'), 'utf8');
  }

  kinds(): string[] {
    return templateKinds(this.dir);
  }

  /** Parses every template file once, so a broken edit stops the start-up with its file name. */
  check(): void {
    for (const file of fs.readdirSync(this.dir).filter((f) => f.endsWith('.mustache'))) {
      try {
        Mustache.parse(fs.readFileSync(path.join(this.dir, file), 'utf8'));
      } catch (error) {
        throw new Error(`Email template ${file}: ${(error as Error).message}`, { cause: error });
      }
      const text = /^([a-z][a-z0-9-]*)\.([a-z]{2})\.txt\.mustache$/.exec(file);
      if (text) this.load(text[1]!, text[2]!);
    }
  }

  private load(kind: string, lang: string): TemplateFiles | null {
    const key = `${kind}.${lang}`;
    if (this.cache.has(key)) return this.cache.get(key)!;
    const textFile = path.join(this.dir, `${key}.txt.mustache`);
    let files: TemplateFiles | null = null;
    if (fs.existsSync(textFile)) {
      const raw = fs.readFileSync(textFile, 'utf8').replace(/\r\n/g, '\n');
      const match = /^Subject:[ \t]*(.*)\n\n?([\s\S]*)$/.exec(raw);
      if (!match) throw new Error(`${textFile}: the first line must be "Subject: …"`);
      const htmlFile = path.join(this.dir, `${key}.html.mustache`);
      files = {
        subject: match[1]!,
        text: match[2]!,
        html: fs.existsSync(htmlFile) ? fs.readFileSync(htmlFile, 'utf8') : null,
      };
    }
    this.cache.set(key, files);
    return files;
  }

  /** Renders `kind` in `language`, falling back to English when that language has no template. */
  render(kind: string, language: string, view: Record<string, unknown>): RenderedEmail {
    let used = language;
    let files = this.load(kind, language);
    if (!files) {
      used = FALLBACK_LANGUAGE;
      files = this.load(kind, FALLBACK_LANGUAGE);
    }
    if (!files) throw new Error(`No email template "${kind}" (looked for ${kind}.${language} and ${kind}.${FALLBACK_LANGUAGE}).`);
    const subject = Mustache.render(files.subject, view, {}, noEscape).replace(/[\r\n]+/g, ' ').trim();
    const text = Mustache.render(files.text, view, {}, noEscape).replace(/\n{3,}/g, '\n\n').trim() + '\n';
    const content = files.html !== null ? Mustache.render(files.html, view) : textToHtml(text);
    const html = Mustache.render(this.layout, { lang: used, subject, content });
    return { subject, text, html, language: used };
  }
}
