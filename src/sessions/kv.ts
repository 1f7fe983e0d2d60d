// KV key names and expirations, in one place.
//   session:<sha256 of cookie value>  → SessionRecord        (SESSION_TTL_SECONDS)
//   import-report:<id>                → the outcome of a CSV user import, shown after the 303 (10 minutes)

export const kvKeys = {
  session: (idHash: string) => `session:${idHash}`,
  importReport: (id: string) => `import-report:${id}`,
  /** The report of an import of an export document through the console (src/admin/console/backup.tsx). */
  backupReport: (id: string) => `backup-report:${id}`,
};

/** KV refuses expirationTtl under 60 seconds; every put goes through here. */
export function kvTtl(seconds: number): number {
  return Math.max(60, Math.ceil(seconds));
}
