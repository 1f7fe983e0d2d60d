// Distinguished names (RFC 4514), only as far as sign-in needs them: the value of a DN's first
// RDN, so a group `cn=Developers,ou=groups,dc=example,dc=com` maps to the group name "Developers".

/** Splits the first RDN of `dn` into attribute type and unescaped value; null when it is not a single `type=value`. */
export function firstRdn(dn: string): { type: string; value: string } | null {
  const eq = dn.indexOf('=');
  if (eq <= 0) return null;
  const type = dn.slice(0, eq).trim();
  if (!/^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/.test(type)) return null;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  let i = eq + 1;
  while (i < dn.length && dn[i] === ' ') i++;
  if (dn[i] === '#') return null; // a BER-encoded value: not a name
  for (; i < dn.length; i++) {
    const ch = dn[i]!;
    if (ch === ',' || ch === '+') break; // the end of the RDN (a multi-valued RDN keeps its first part)
    if (ch === '\\') {
      const hex = dn.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else if (i + 1 < dn.length) {
        bytes.push(...encoder.encode(dn[i + 1]!));
        i += 1;
      } else return null;
    } else {
      const cp = dn.codePointAt(i)!;
      const text = String.fromCodePoint(cp);
      bytes.push(...encoder.encode(text));
      i += text.length - 1;
    }
  }
  const value = new TextDecoder().decode(Uint8Array.from(bytes)).trim();
  return value === '' ? null : { type, value };
}

/** The group name for a group DN: its first RDN's value when that RDN is a CN, else the whole DN. */
export function groupName(dn: string): string {
  const rdn = firstRdn(dn);
  return rdn && rdn.type.toLowerCase() === 'cn' ? rdn.value : dn;
}

/** RFC 4514 §2.4: escapes a value for use in a DN. */
export function escapeDnValue(value: string): string {
  return value
    .replace(/[\\,+"<>;=\u0000]/g, (ch) => (ch === '\u0000' ? '\\00' : `\\${ch}`))
    .replace(/^[ #]/, (ch) => `\\${ch}`)
    .replace(/ $/, '\\ ');
}
