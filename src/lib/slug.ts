/**
 * An identity source's slug (its URLs' path segment, and an app's `identity_source`): 1 to 40
 * lower-case letters, digits or "-", not starting or ending with "-". Here, below both the app
 * registry and federation, because both validate it.
 */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
