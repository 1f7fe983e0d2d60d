// Bulk onboarding: CSV parsing (RFC 4180: quoted fields, doubled quotes, CRLF) and the mapping of
// rows to the admin API's user input. Pure, so it is tested without I/O.

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((cell) => cell.trim() !== ''));
}

export const IMPORT_COLUMNS = ['email', 'name', 'given_name', 'family_name', 'username', 'groups', 'password'] as const;
export const MAX_IMPORT_ROWS = 500;

export interface ImportRow {
  /** The line in the file (the header is line 1). */
  line: number;
  input: Record<string, unknown>;
}

/** Reads the header and turns each row into user input; groups are separated by ";" or "|". */
export function csvToUserInputs(text: string): { rows: ImportRow[] } | { error: string } {
  const [header, ...records] = parseCsv(text.replace(/^\uFEFF/, ''));
  if (!header) return { error: 'The file is empty.' };
  const columns = header.map((h) => h.trim().toLowerCase());
  if (!columns.includes('email')) return { error: `The first line must name the columns, including "email" (known: ${IMPORT_COLUMNS.join(', ')}).` };
  const unknown = columns.filter((c) => !(IMPORT_COLUMNS as readonly string[]).includes(c));
  if (unknown.length) return { error: `Unknown column(s): ${unknown.join(', ')}. Known: ${IMPORT_COLUMNS.join(', ')}.` };
  if (records.length > MAX_IMPORT_ROWS) return { error: `At most ${MAX_IMPORT_ROWS} users per import; this file has ${records.length}.` };
  const rows = records.map((record, i) => {
    const input: Record<string, unknown> = {};
    columns.forEach((column, j) => {
      const cell = (record[j] ?? '').trim();
      if (cell === '') return;
      input[column] = column === 'groups' ? cell.split(/[;|]/).map((g) => g.trim()).filter(Boolean) : column === 'password' ? record[j] : cell;
    });
    return { line: i + 2, input };
  });
  return { rows };
}
