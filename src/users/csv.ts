// Bulk onboarding: CSV parsing (RFC 4180: quoted fields, doubled quotes, CRLF) and the mapping of
// rows to the admin API's user input. Pure, so it is tested without I/O.

export interface CsvRow {
  cells: string[];
  /** The line of the file the row starts on (1-based), so reports point at the right place. */
  line: number;
}

/** The non-blank rows of a CSV text, each with the line it starts on. */
export function parseCsvRows(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const endRow = () => {
    cells.push(field);
    if (cells.some((cell) => cell.trim() !== '')) rows.push({ cells, line: rowLine });
    cells = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const crlf = ch === '\r' && text[i + 1] === '\n';
    if (crlf) i++; // a CRLF pair is one line break
    const lineBreak = crlf || ch === '\n' || ch === '\r';
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += crlf ? '\r\n' : ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      cells.push(field);
      field = '';
    } else if (lineBreak) endRow();
    else field += ch;
    if (lineBreak) {
      line++; // also inside quoted cells, so later rows keep their real line numbers
      if (!quoted) rowLine = line;
    }
  }
  if (field !== '' || cells.length > 0) endRow();
  return rows;
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF; blank rows are skipped. */
export function parseCsv(text: string): string[][] {
  return parseCsvRows(text).map((row) => row.cells);
}

export const IMPORT_COLUMNS = ['email', 'name', 'given_name', 'family_name', 'username', 'groups', 'password', 'password_hash'] as const;
export const MAX_IMPORT_ROWS = 500;

export interface ImportRow {
  /** The line in the file (the header is line 1). */
  line: number;
  input: Record<string, unknown>;
}

/** Reads the header and turns each row into user input; groups in one cell are separated by ";" (and only ";"). */
export function csvToUserInputs(text: string): { rows: ImportRow[] } | { error: string } {
  const [header, ...records] = parseCsvRows(text.replace(/^\uFEFF/, ''));
  if (!header) return { error: 'The file is empty.' };
  const columns = header.cells.map((h) => h.trim().toLowerCase());
  if (!columns.includes('email')) return { error: `The first line must name the columns, including "email" (known: ${IMPORT_COLUMNS.join(', ')}).` };
  const unknown = columns.filter((c) => !(IMPORT_COLUMNS as readonly string[]).includes(c));
  if (unknown.length) return { error: `Unknown column(s): ${unknown.join(', ')}. Known: ${IMPORT_COLUMNS.join(', ')}.` };
  if (records.length > MAX_IMPORT_ROWS) return { error: `At most ${MAX_IMPORT_ROWS} users per import; this file has ${records.length}.` };
  const rows = records.map(({ cells, line }) => {
    const input: Record<string, unknown> = {};
    columns.forEach((column, j) => {
      const cell = (cells[j] ?? '').trim();
      if (cell === '') return;
      input[column] = column === 'groups' ? cell.split(';').map((g) => g.trim()).filter(Boolean) : column === 'password' ? cells[j] : cell;
    });
    return { line, input };
  });
  return { rows };
}
