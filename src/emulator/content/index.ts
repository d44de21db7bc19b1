export { MAX_VIEW_LENGTH, PATTERN_LENGTH } from './pattern.js';
export { QuickXorHash, quickXorHash } from './quickXorHash.js';
export {
  copySeeded,
  phaseFor,
  readSeeded,
  type SeededContent,
  type SeededStreamOptions,
  seededStream,
} from './seeded.js';
export { seededQuickXorDigest, seededQuickXorHash, warmSeededHash } from './seededHash.js';
