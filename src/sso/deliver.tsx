// Hands the token to the app at its registered redirect URL, in the app's response mode:
//   query     303 to  target?id_token=…&state=…
//   fragment  303 to  target#id_token=…&state=…   (never sent to the app's server or its logs)
//   form_post an auto-submitted POST form          (keeps the token out of URLs and Referer headers)
import { raw } from 'hono/html';
import type { ResponseMode } from '../db/schema';
import type { AppContext } from '../http/context';
import { Page } from '../ui/layout';

export type DeliveryParams = Record<string, string | undefined>;

export function deliver(c: AppContext, mode: ResponseMode, target: string, params: DeliveryParams): Response | Promise<Response> {
  if (mode === 'form_post') return formPost(c, target, params);
  return c.redirect(redirectUrlWith(mode, target, params), 303);
}

/** The URL the browser is sent to in query or fragment mode. */
export function redirectUrlWith(mode: Exclude<ResponseMode, 'form_post'>, target: string, params: DeliveryParams): string {
  const url = new URL(target);
  if (mode === 'fragment') {
    url.hash = new URLSearchParams(defined(params)).toString();
  } else {
    for (const [name, value] of defined(params)) url.searchParams.set(name, value);
  }
  return url.href;
}

function defined(params: DeliveryParams): [string, string][] {
  return Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
}

function formPost(c: AppContext, target: string, params: DeliveryParams): Response | Promise<Response> {
  c.set('formActionOrigins', [new URL(target).origin]);
  const nonce = c.get('cspNonce');
  return c.html(
    <Page title="Signing you in">
      <h1>Signing you in…</h1>
      <form method="post" action={target} id="deliver">
        {defined(params).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <noscript>
          <p>JavaScript is off: press the button to continue.</p>
          <button type="submit">Continue</button>
        </noscript>
      </form>
      {/* raw: JSX would escape the quotes, and a script is not HTML-decoded. The text is a constant. */}
      <script nonce={nonce}>{raw('document.getElementById("deliver").submit();')}</script>
    </Page>,
  );
}
