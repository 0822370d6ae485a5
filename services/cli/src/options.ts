// Value parsers for commander options: a bad value becomes commander's "invalid argument" error,
// which the program turns into exit code 2 naming the option.
import { parseTimeArg, topicPrefixProblem } from '@shadow/contracts';
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

/** --topic-prefix of every command: contracts' one rule for topic names. */
export function topicPrefix(value: string): string {
  const problem = topicPrefixProblem(value);
  if (problem !== null) throw new InvalidArgumentError(`${problem.replace(/, got .*$/, '')}.`);
  return value;
}

/**
 * Every time flag of every command (--since, --until, --from, --to) through the one grammar of
 * @shadow/contracts parseTimeArg (the replayer's own `replay` parses with it too): a duration back
 * from now, an ISO-8601 time with a zone, epoch seconds (10 digits) or milliseconds (13). Anything
 * else ("72", "foo 2020", a zone-less time) is exit 2 naming the flag and the accepted forms.
 */
export function timeFlag(now: () => number = Date.now): (value: string) => number {
  return (value) => {
    const parsed = parseTimeArg(value, now());
    if (!parsed.ok) throw new InvalidArgumentError(parsed.message);
    return parsed.ms;
  };
}
