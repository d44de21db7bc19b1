import { InvalidArgumentError } from 'commander';

/** A commander option parser for counts: digits with optional `_` separators, at least `min`. */
export const wholeNumber =
  (what: string, min = 0) =>
  (raw: string): number => {
    const n = Number(raw.replace(/_/g, ''));
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${what} must be a whole number >= ${min}.`);
    return n;
  };
