import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldName } from '../../store/index.js';

describe('foldName', () => {
  it('lower-cases ASCII', () => {
    assert.equal(foldName('Report FINAL.DOCX'), 'report final.docx');
  });

  it('composes before folding, so NFC and NFD spellings meet', () => {
    const composed = 'Caf\u00e9';
    const decomposed = 'Cafe\u0301';
    assert.notEqual(composed, decomposed);
    assert.equal(foldName(composed), foldName(decomposed));
    assert.equal(foldName(decomposed), 'caf\u00e9');
    assert.equal(foldName('\u00c5NGSTR\u00d6M'), foldName('A\u030angstro\u0308m'));
  });

  it('folds Greek sigma the same in every position', () => {
    // toLowerCase gives 'οδος' (final ς) for the first and 'οδοσ' for the second.
    assert.equal(foldName('ΟΔΟΣ'), foldName('οδοσ'));
    assert.equal(foldName('οδος'), foldName('ΟΔΟΣ'));
  });

  it('folds one code point to one, never expanding', () => {
    assert.equal(foldName('Straße'), 'straße');
    assert.notEqual(foldName('Straße'), foldName('STRASSE'));
    assert.equal(foldName('STRAẞE'), foldName('straße'), 'capital sharp s folds to ß (simple folding)');
    assert.equal(foldName('İ'), 'İ', 'dotted capital I has no simple folding');
    assert.notEqual(foldName('ı'), foldName('i'), 'dotless i folds to i only in Turkic folding');
  });

  it('folds compatibility letters the way case folding does', () => {
    assert.equal(foldName('\u212a'), 'k', 'Kelvin sign');
    assert.equal(foldName('\u017f'), 's', 'long s');
    assert.equal(foldName('\u00b5'), '\u03bc', 'micro sign');
    assert.equal(foldName('\u13a0'), foldName('\uab70'), 'Cherokee capital and small letters');
  });

  it('leaves emoji and other uncased text alone', () => {
    assert.equal(foldName('😀 Plan 日本'), '😀 plan 日本');
    assert.equal(foldName('\uffff'), '\uffff');
  });
});
