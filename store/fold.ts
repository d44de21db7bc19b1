// Name folding for the children index.
//
// SharePoint names are unique per folder ignoring case, so children are keyed by a folded name.
// Choice: NFC, then Unicode *simple* case folding (one code point to one code point), then NFC
// again. Folding must never equate two names the server considers distinct: such a pair would
// share one children key for good and one of them would stay hidden. So we fold conservatively,
// the way Windows does (per character, no expansions): 'ß' is not 'ss', 'İ' stays 'İ', and the
// Turkic-only mapping of dotless 'ı' to 'i' is left out. Greek final sigma folds to sigma in any
// position, unlike String.prototype.toLowerCase, whose result depends on the next character.
//
// JS has no case-folding API; per code point, lower(upper(c)) (each step kept only when it maps
// to a single code point) yields exactly the equivalence classes of CaseFolding.txt's C+S
// mappings — checked against Python's str.casefold for every Unicode 14 code point.
// The classes depend on the runtime's Unicode tables: characters added in a later Unicode
// version may fold differently under another Node release.

const NON_ASCII = /[\u0080-\uffff]/;
const DOTLESS_I = '\u0131';
const foldedChars = new Map<string, string>();

export function foldName(name: string): string {
  // Nearly all names are ASCII, where NFC is the identity and folding is toLowerCase.
  if (!NON_ASCII.test(name)) return name.toLowerCase();
  let out = '';
  for (const ch of name.normalize('NFC')) out += foldChar(ch);
  return out.normalize('NFC');
}

function foldChar(ch: string): string {
  let folded = foldedChars.get(ch);
  if (folded === undefined) {
    folded = simpleFold(ch);
    foldedChars.set(ch, folded);
  }
  return folded;
}

function simpleFold(ch: string): string {
  if (ch === DOTLESS_I) return ch;
  const upper = ch.toUpperCase();
  const base = isOneCodePoint(upper) ? upper : ch;
  const lower = base.toLowerCase();
  return isOneCodePoint(lower) ? lower : ch;
}

function isOneCodePoint(s: string): boolean {
  const cp = s.codePointAt(0);
  return cp !== undefined && s.length === (cp > 0xffff ? 2 : 1);
}
