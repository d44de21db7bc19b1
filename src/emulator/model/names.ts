import { GraphError } from '../http/errors.js';

/** SharePoint compares names case-insensitively; NFC first so composed and decomposed forms collide too. */
export function foldName(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

const FORBIDDEN = /["*:<>?/\\|]/;
// Control characters are refused too (checked by code point: a regex with them trips linters).
const hasControl = (name: string) => [...name].some((ch) => ch.charCodeAt(0) < 0x20);
const RESERVED = new Set([
  '.lock',
  'con',
  'prn',
  'aux',
  'nul',
  'desktop.ini',
  ...Array.from({ length: 10 }, (_, i) => `com${i}`),
  ...Array.from({ length: 10 }, (_, i) => `lpt${i}`),
]);

/** Throws Graph's 400 for a name SharePoint would refuse. */
export function validateName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new GraphError(400, 'invalidRequest', 'The name must be a non-empty string.');
  }
  if (name.length > 400) throw new GraphError(400, 'invalidRequest', 'The name is too long.');
  if (FORBIDDEN.test(name) || hasControl(name)) {
    throw new GraphError(
      400,
      'invalidRequest',
      `The name '${name}' contains a character that is not allowed.`,
    );
  }
  if (name !== name.trim() || name.endsWith('.') || name === '.' || name === '..') {
    throw new GraphError(
      400,
      'invalidRequest',
      `The name '${name}' must not begin or end with a space or end with a period.`,
    );
  }
  if (RESERVED.has(name.toLowerCase()) || name.includes('_vti_')) {
    throw new GraphError(400, 'invalidRequest', `The name '${name}' is reserved.`);
  }
  return name;
}

/** 'report.docx' -> 'report 1.docx', as conflictBehavior=rename does. */
export function renameCandidate(name: string, n: number): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return `${name} ${n}`;
  return `${name.slice(0, dot)} ${n}${name.slice(dot)}`;
}
