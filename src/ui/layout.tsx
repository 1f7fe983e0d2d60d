// The page shell shared by the login pages, error pages and (later) the admin console.
import type { Child } from 'hono/jsx';
import { STYLESHEET_PATH } from './styles';

export const PRODUCT_NAME = 'edge-sso';

export function Page(props: { title: string; wide?: boolean; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${props.title} · ${PRODUCT_NAME}`}</title>
        <link rel="stylesheet" href={STYLESHEET_PATH} />
      </head>
      <body>
        <main class={props.wide ? 'wide' : undefined}>
          <div class="card">
            <p class="brand">{PRODUCT_NAME}</p>
            {props.children}
          </div>
        </main>
      </body>
    </html>
  );
}

/** A page that only says something: errors, "signed out", and so on. */
export function MessagePage(props: { title: string; children?: Child }) {
  return (
    <Page title={props.title}>
      <h1>{props.title}</h1>
      {props.children}
    </Page>
  );
}
