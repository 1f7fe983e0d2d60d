// The page shell shared by the login pages, error pages and the admin console.
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { DEFAULT_BRANDING, type Branding } from '../policy/branding';
import { STYLESHEET_PATH } from './styles';

export interface PageProps {
  title: string;
  /** The login page of an app shows that app's branding; other pages show the defaults. */
  branding?: Branding;
  /** The CSP nonce, needed only when the branding sets a colour. */
  nonce?: string;
  wide?: boolean;
  children: Child;
}

/**
 * Every page is a full document in standards mode: without the doctype browsers fall back to
 * quirks mode (box sizes, line heights and table fonts change). JSX cannot write one, hence raw.
 */
export function HtmlDocument(props: { children: Child }) {
  return (
    <>
      {raw('<!doctype html>')}
      <html lang="en">{props.children}</html>
    </>
  );
}

/** The <head> of every page: the one stylesheet, no indexing, phone-friendly. */
export function DocumentHead(props: { title: string; children?: Child }) {
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex" />
      <title>{props.title}</title>
      <link rel="stylesheet" href={STYLESHEET_PATH} />
      {/* The branding's logo, or edge-sso's icon (src/branding/routes.ts): no 404 for the browser's own request either. */}
      <link rel="icon" href="/favicon.ico" />
      {props.children}
    </head>
  );
}

export function Page(props: PageProps) {
  const brand = props.branding ?? DEFAULT_BRANDING;
  const customColor = brand.primaryColor !== DEFAULT_BRANDING.primaryColor && props.nonce;
  return (
    <HtmlDocument>
      <DocumentHead title={`${props.title} · ${brand.productName}`}>
        {/* The colour was checked to be #rrggbb (src/branding/branding.ts), so it cannot break out. */}
        {customColor && <style nonce={props.nonce}>{`:root { --accent: ${brand.primaryColor}; }`}</style>}
      </DocumentHead>
      <body>
        <main class={props.wide ? 'wide' : undefined}>
          <div class="card">
            <p class="brand">
              {brand.logoUrl && <img class="logo" src={brand.logoUrl} alt="" />}
              {brand.productName}
            </p>
            {props.children}
          </div>
          {brand.footerUrl && (
            <footer class="muted">
              <a href={brand.footerUrl} rel="noopener">
                {brand.footerText || brand.footerUrl}
              </a>
            </footer>
          )}
          {!brand.footerUrl && brand.footerText && <footer class="muted">{brand.footerText}</footer>}
        </main>
      </body>
    </HtmlDocument>
  );
}

/** A page that only says something: errors, "signed out", and so on. */
export function MessagePage(props: { title: string; branding?: Branding; nonce?: string; children?: Child }) {
  return (
    <Page title={props.title} branding={props.branding} nonce={props.nonce}>
      <h1>{props.title}</h1>
      {props.children}
    </Page>
  );
}
