// Reading HTML form posts: a size limit, and a clear 400 (never a 500) for a body that is not a form.
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { RequestError } from '../lib/errors';

export type FormBody = Record<string, string | File | (string | File)[]>;

/** Refuses bodies over `maxBytes` with a 413 before they are read. */
export function limitBody(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new RequestError(413, 'too_large', `The request body is larger than ${Math.round(maxBytes / 1024)} KiB.`);
    },
  });
}

export async function readForm(c: Context): Promise<FormBody> {
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) {
    throw new RequestError(415, 'unsupported_media_type', 'Send the form as application/x-www-form-urlencoded or multipart/form-data.');
  }
  try {
    return await c.req.parseBody({ all: true });
  } catch {
    throw new RequestError(400, 'invalid_form', 'The form data could not be read.');
  }
}
