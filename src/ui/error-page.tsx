// The browser's error page for src/http/errors.tsx: the message page in the global branding
// (brandingFor falls back to the defaults if even that cannot be read).
import { brandingFor } from '../branding/page';
import type { ErrorPage } from '../http/errors';
import { MessagePage } from './layout';

export const brandedErrorPage: ErrorPage = async (c, { title, status, body }) =>
  c.html(
    <MessagePage title={title} branding={await brandingFor(c.env)} nonce={c.get('cspNonce')}>
      {body}
    </MessagePage>,
    status as 400,
  );
