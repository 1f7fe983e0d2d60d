import type { Context } from 'hono';
import type { AppEnv } from '../../http/context';
import type { FormBody } from '../../http/forms';
import type { Session } from '../../sessions/sessions';

// What the console's gate (./auth.tsx) sets on every /admin request, typed the way Hono types a
// middleware's variables, so the ground layer's AppEnv needs no session type.
declare module 'hono' {
  interface ContextVariableMap {
    /** The signed-in admin's session. */
    admin: Session;
    /** For a POST: the CSRF-checked form. */
    form: FormBody;
  }
}

/** The console's routes share the app's environment. */
export type ConsoleEnv = AppEnv;
export type ConsoleContext = Context<ConsoleEnv>;

/** A form value as a trimmed string ('' when absent or a file). */
export function formText(c: ConsoleContext, name: string): string {
  const value = c.get('form')[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** A form value exactly as typed (passwords and pasted CSV keep their spaces). */
export function rawText(c: ConsoleContext, name: string): string {
  const value = c.get('form')[name];
  return typeof value === 'string' ? value : '';
}

/** The signed-in admin's user id, the actor of the console's audit events. */
export const actorOf = (c: ConsoleContext) => c.get('admin').userId;
