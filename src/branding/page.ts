// The branding a page shows: the global settings, with the app's overrides when the page is about
// one app. Every page a person meets (login, signed in, My apps, signed out, errors, confirmations)
// takes its look from here.
import type { Bindings } from '../env';
import { DEFAULT_BRANDING, resolveBranding, type Branding } from '../policy/branding';
import { loadGlobalBranding } from './store';

/** Global branding merged with the app's; the defaults if the settings cannot be read (an error page must still render). */
export async function brandingFor(env: Bindings, app?: { branding: Partial<Branding> } | null): Promise<Branding> {
  try {
    return resolveBranding(await loadGlobalBranding(env), app?.branding);
  } catch {
    return resolveBranding({}, app?.branding ?? DEFAULT_BRANDING);
  }
}
