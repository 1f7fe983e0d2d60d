import { describe, expect, it } from 'vitest';
import { canonicalize, parseXml, type XmlElement } from '../../../src/lib/xml';

const first = (xml: string, local: string): XmlElement =>
  Array.from(parseXml(xml).getElementsByTagName('*')).find((e) => e.localName === local)!;

describe('exclusive canonicalization', () => {
  it('renders only visibly used namespaces, sorted, on the apex of a subtree', () => {
    const xml = '<r xmlns="urn:d" xmlns:a="urn:a" xmlns:b="urn:b" xmlns:z="urn:z"><a:x   b:k="2" k="1" ><y/></a:x></r>';
    expect(canonicalize(first(xml, 'x'))).toBe(
      '<a:x xmlns:a="urn:a" xmlns:b="urn:b" k="1" b:k="2"><y xmlns="urn:d"></y></a:x>',
    );
  });

  it('undeclares an inherited default namespace for an unqualified child', () => {
    const xml = '<r xmlns="urn:d"><x><y xmlns=""/></x></r>';
    expect(canonicalize(first(xml, 'r'))).toBe('<r xmlns="urn:d"><x><y xmlns=""></y></x></r>');
  });

  it('renders InclusiveNamespaces prefixes that are in scope even when unused', () => {
    const xml = '<r xmlns:xs="urn:xs" xmlns:u="urn:u"><x/></r>';
    expect(canonicalize(first(xml, 'x'), { inclusivePrefixes: ['xs', 'nope'] })).toBe('<x xmlns:xs="urn:xs"></x>');
  });

  it('escapes text and attributes as c14n says, keeps comments only with comments', () => {
    const xml = '<a t="&quot;&lt;&amp;&#9;&#10;&#13;>">&lt;&amp;&gt;&#13;<!-- c --><![CDATA[<&>]]></a>';
    expect(canonicalize(first(xml, 'a'))).toBe('<a t="&quot;&lt;&amp;&#x9;&#xA;&#xD;>">&lt;&amp;&gt;&#xD;&lt;&amp;&gt;</a>');
    expect(canonicalize(first(xml, 'a'), { withComments: true })).toContain('<!-- c -->');
  });

  it('leaves out an excluded subtree (the enveloped signature)', () => {
    const doc = parseXml('<a><s><t/></s><b/></a>');
    const s = doc.getElementsByTagName('s')[0]!;
    expect(canonicalize(doc.documentElement!, { exclude: s })).toBe('<a><b></b></a>');
  });

  it('does not redeclare what an output ancestor declared, and never emits the xml prefix', () => {
    const xml = '<p:a xmlns:p="urn:p"><p:b xmlns:p="urn:p" xml:lang="en"><p:c/></p:b></p:a>';
    expect(canonicalize(first(xml, 'a'))).toBe('<p:a xmlns:p="urn:p"><p:b xml:lang="en"><p:c></p:c></p:b></p:a>');
  });
});
