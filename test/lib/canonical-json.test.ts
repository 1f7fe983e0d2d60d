// Canonical JSON (RFC 8785) is what the export's MAC covers: the same value always gives the same
// bytes, whatever the key order or indentation of the file it was parsed from.
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/lib/canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth by UTF-16 code units, keeps list order, writes no whitespace', () => {
    expect(canonicalJson({ b: [3, { z: null, a: true }], a: 'x', é: 1, Z: 2 })).toBe('{"Z":2,"a":"x","b":[3,{"a":true,"z":null}],"é":1}');
    expect(canonicalJson(JSON.parse('{ "b": 1,\n  "a": [ 2, 1 ] }'))).toBe(canonicalJson({ a: [2, 1], b: 1 }));
  });

  it('writes strings and numbers as JSON.stringify does, and drops undefined object values as it does', () => {
    expect(canonicalJson({ s: 'line\n"quoted" \u2028', n: 1e21, f: 0.1, u: undefined })).toBe('{"f":0.1,"n":1e+21,"s":"line\\n\\"quoted\\" \u2028"}');
  });

  it('refuses what JSON would write some other way', () => {
    expect(() => canonicalJson(new Date(0))).toThrow(TypeError);
    expect(() => canonicalJson([undefined])).toThrow(TypeError);
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
  });
});
