// The copy buttons' script: a button with data-copy puts that text on the clipboard. Progressive
// enhancement only: everything works without it, copying is just quicker with it.
import { raw } from 'hono/html';

const COPY_SCRIPT = `document.addEventListener('click', function (e) {
  var b = e.target.closest && e.target.closest('[data-copy]');
  if (!b || !navigator.clipboard) return;
  navigator.clipboard.writeText(b.getAttribute('data-copy')).then(function () {
    var t = b.textContent; b.textContent = 'Copied'; setTimeout(function () { b.textContent = t; }, 1500);
  });
});`;

/** raw: a script is not HTML-decoded, so JSX escaping would break it. The text is a constant. */
export function CopyScript(props: { nonce: string }) {
  return <script nonce={props.nonce}>{raw(COPY_SCRIPT)}</script>;
}
