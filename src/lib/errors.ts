// Errors that routes turn into clear 4xx answers (see src/http/errors.ts).

export type FieldErrors = Record<string, string>;

/** A request we refuse, with a status and a message safe to show to the caller. */
export class RequestError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** One or more invalid fields: a 400 whose body names each field and says what is wrong. */
export class ValidationError extends RequestError {
  constructor(readonly fields: FieldErrors) {
    super(400, 'invalid_request', `Invalid ${Object.keys(fields).join(', ')}: ${Object.values(fields).join('; ')}`);
  }
}

export class ConflictError extends RequestError {
  constructor(readonly field: string, message: string) {
    super(409, 'conflict', message);
  }
}

export class NotFoundError extends RequestError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}
