// edge-sso's own guides, served in the console so a self-hosted admin has them next to the forms
// (no repository URL to link to). The Markdown is bundled as text and shown as it is written:
// each `##`/`###` heading becomes a heading with an anchor (a provider's section is `#<type>`,
// from the "(`type`)" in its title), links become links, the rest keeps its line breaks.
import { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import identityProviders from '../../../docs/identity-providers.md';
import type { ConsoleEnv } from './context';
import { ConsolePage } from './layout';

export const IDENTITY_PROVIDER_GUIDE = '/admin/docs/identity-providers';

/** The anchor of a guide heading: the preset type it names in backticks, else its words. */
export function headingId(title: string): string {
  const type = /\(`([a-z0-9-]+)`\)/.exec(title);
  return type ? type[1]! : title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** Text with its Markdown links ([text](https://…)) as links; everything else as text. */
function withLinks(text: string): Child[] {
  const parts: Child[] = [];
  let last = 0;
  for (const m of text.matchAll(/\[([^\]]+)\]\((https:\/\/[^)\s]+)\)/g)) {
    parts.push(text.slice(last, m.index));
    parts.push(
      <a href={m[2]} rel="noopener noreferrer">
        {m[1]}
      </a>,
    );
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return parts;
}

function Guide(props: { markdown: string }) {
  const blocks: Child[] = [];
  let text: string[] = [];
  const flush = () => {
    if (text.join('').trim()) blocks.push(<div class="doc-text">{withLinks(text.join('\n').trim())}</div>);
    text = [];
  };
  for (const line of props.markdown.split('\n')) {
    const heading = /^(#{2,3}) (.+)$/.exec(line);
    if (!heading) {
      if (!line.startsWith('# ')) text.push(line);
      continue;
    }
    flush();
    const title = heading[2]!;
    blocks.push(heading[1] === '##' ? <h2 id={headingId(title)}>{title}</h2> : <h3 id={headingId(title)}>{title}</h3>);
  }
  flush();
  return <div class="card doc">{blocks}</div>;
}

export const docPages = new Hono<ConsoleEnv>();

docPages.get('/identity-providers', (c) =>
  c.html(
    <ConsolePage c={c} title="Identity providers: setting up each source">
      <Guide markdown={identityProviders} />
    </ConsolePage>,
  ),
);
