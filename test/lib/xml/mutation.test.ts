// Property: a mutation of a signed document never verifies unless it leaves the signed content
// (the canonical assertion and the canonical SignedInfo) exactly as signed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NS, canonicalize, childElements, parseXml, signatureOf, verifyEnvelopedSignature, type XmlElement } from '../../../src/lib/xml';
import * as fx from './fixtures/fixtures';

const signedForms = (assertion: XmlElement) => {
  const signature = signatureOf(assertion)!;
  const signedInfo = childElements(signature, NS.ds, 'SignedInfo')[0]!;
  return [canonicalize(assertion, { exclude: signature }), canonicalize(signedInfo)];
};
const original = signedForms(childElements(parseXml(fx.SIGNED_SHA256).documentElement!, NS.saml, 'Assertion')[0]!);

/** Verifies every Assertion child of the response; returns the canonical forms of those that verify. */
async function verifiedForms(xml: string): Promise<string[][]> {
  let doc;
  try {
    doc = parseXml(xml);
  } catch {
    return [];
  }
  const forms: string[][] = [];
  for (const assertion of Array.from(doc.getElementsByTagNameNS(NS.saml, 'Assertion'))) {
    const ok = await verifyEnvelopedSignature(assertion, { certificates: [fx.IDP_CERT] }).then(() => true, () => false);
    if (ok) forms.push(signedForms(assertion));
  }
  return forms;
}

const alphabet = ['a', 'Z', '0', ' ', '<', '>', '/', '"', '=', '&', ':', '#', '-', '!', '\n', 'ID', 'saml:', 'ds:', '<!--x-->'];
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.constantFrom(...alphabet) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...alphabet) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  // Move a slice elsewhere: the shape of every wrapping attack.
  fc.record({ kind: fc.constant('move' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 2000 }), to: fc.nat() }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function apply(xml: string, m: Mutation): string {
  const at = m.at % xml.length;
  switch (m.kind) {
    case 'replace':
      return xml.slice(0, at) + m.text + xml.slice(at + 1);
    case 'insert':
      return xml.slice(0, at) + m.text + xml.slice(at);
    case 'delete':
      return xml.slice(0, at) + xml.slice(at + m.length);
    default: {
      const slice = xml.slice(at, at + m.length);
      const rest = xml.slice(0, at) + xml.slice(at + m.length);
      const to = m.to % (rest.length + 1);
      return rest.slice(0, to) + slice + rest.slice(to);
    }
  }
}

describe('mutations of a signed document', () => {
  it('never verify unless the signed content is unchanged', async () => {
    let verifiedAfterMutation = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const xml = mutations.reduce(apply, fx.SIGNED_SHA256);
        for (const forms of await verifiedForms(xml)) {
          verifiedAfterMutation++;
          expect(forms).toEqual(original);
        }
      }),
      { numRuns: 400 },
    );
    // Some mutations (whitespace outside the assertion, a comment) keep the signed content: the
    // property is not vacuous only if the verifier still accepts those.
    expect(verifiedAfterMutation).toBeGreaterThan(0);
  });
});
