// A Test connection (started by an admin in the console) ends at the same callback as a sign-in,
// but shows its outcome instead of signing anyone in. Federation does not render console pages:
// the entry (src/index.ts) hands it the console's page for that.
import type { AppContext } from '../http/context';
import type { User } from '../users/user';
import type { MappedProfile } from './mapping';
import type { IdentitySource, UpstreamError, UpstreamProfile } from './types';

export type TestOutcome = { error: UpstreamError } | { upstream: UpstreamProfile; mapped: MappedProfile };

/** Renders a test's outcome for the admin who started it (checked by the caller). */
export type TestResultPage = (c: AppContext, admin: User, source: IdentitySource, outcome: TestOutcome) => Response | Promise<Response>;
