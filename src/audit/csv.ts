// CSV export of the audit log. Cells are made safe for spreadsheets: one that starts with
// = + - @ tab or CR would be read as a formula (CSV injection), so it gets a leading '.

const FORMULA_START = /^[=+\-@\t\r]/;

/** One RFC 4180 cell: neutralised if it could start a formula, quoted when it needs to be. */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(cells: string[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}
