/** Whether a D1 error (possibly wrapped by drizzle) is a UNIQUE constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  return String((error as { cause?: unknown })?.cause ?? error).includes('UNIQUE constraint failed');
}

/** Whether a D1 error (possibly wrapped by drizzle) is a FOREIGN KEY constraint violation. */
export function isForeignKeyViolation(error: unknown): boolean {
  return String((error as { cause?: unknown })?.cause ?? error).includes('FOREIGN KEY constraint failed');
}
