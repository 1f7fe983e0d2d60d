// What the Cron Trigger prunes: one entry per kind of short-lived or retained row in D1. A
// capability with its own expiring rows (OIDC codes, one-time links, …) adds its pruner here.
import { pruneExpiredPreviousSecrets } from '../apps/secrets';
import { pruneAuditEvents } from '../audit/retention';
import { database } from '../db/client';
import { settingsFrom, type Bindings } from '../env';
import { pruneThrottle } from '../login/throttle';
import { pruneUnconfirmedTotp } from '../mfa/totp-store';
import { pruneOidc } from '../oidc/grants';
import { pruneUnapprovedSignups } from '../onboarding/approvals';
import { pruneOneTimeLinks } from '../onboarding/links';
import { pruneRateLimits } from '../onboarding/rate-limit';
import { pruneExpiredSessionIndex } from '../sessions/sessions';
import { refreshSamlMetadata } from '../federation/saml/refresh';
import { pruneSeenAssertions } from '../federation/saml/replay';
import { pruneUnusedSourceGroups } from '../users/groups';

export interface Pruner {
  /** Names the pruner in the run's log line and summary. */
  name: string;
  /** Deletes what has expired at `now` (Unix seconds); returns how many rows went. */
  prune(env: Bindings, now: number): Promise<number>;
}

export const pruners: Pruner[] = [
  { name: 'audit_events', prune: (env, now) => pruneAuditEvents(database(env.DB), settingsFrom(env).auditRetentionDays, now) },
  { name: 'login_throttle', prune: (env, now) => pruneThrottle(database(env.DB), settingsFrom(env).lockout, now) },
  { name: 'previous_client_secrets', prune: (env, now) => pruneExpiredPreviousSecrets(database(env.DB), now) },
  { name: 'oidc', prune: (env, now) => pruneOidc(database(env.DB), now) },
  { name: 'user_sessions', prune: (env, now) => pruneExpiredSessionIndex(env, now) },
  // Before one_time_links: it reads the expired approval rows that pruner deletes.
  { name: 'unapproved_signups', prune: (env, now) => pruneUnapprovedSignups(database(env.DB), now) },
  { name: 'one_time_links', prune: (env, now) => pruneOneTimeLinks(database(env.DB), now) },
  { name: 'mfa_totp_unconfirmed', prune: (env, now) => pruneUnconfirmedTotp(database(env.DB), now) },
  { name: 'onboarding_rate_limits', prune: (env, now) => pruneRateLimits(database(env.DB), now) },
  { name: 'saml_assertions_seen', prune: (env, now) => pruneSeenAssertions(database(env.DB), now) },
  // Not a pruner but the same daily round: refetch SAML IdP metadata (counts the sources refreshed).
  { name: 'saml_metadata_refresh', prune: (env, now) => refreshSamlMetadata(env, now) },
  { name: 'groups_unused_source', prune: (env, now) => pruneUnusedSourceGroups(database(env.DB), now) },
];
