// Value parsers for commander options: a bad value becomes commander's "invalid argument" error,
// which the program turns into exit code 2 naming the option.
import { InvalidArgumentError } from 'commander';

export function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer in [${min}, ${max}].`);
    }
    return n;
  };
}
