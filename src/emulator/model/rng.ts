/** The emulator's one seeded generator (mulberry32), under the name the model uses. */
export { mulberry32 as rng } from '../http/random.js';

export function seedFromString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
