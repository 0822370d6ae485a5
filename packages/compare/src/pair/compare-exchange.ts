// Convenience for the joiner: one exchange, every challenger that answered it. The first answer
// with role `secondary` is the noise baseline for every candidate; secondaries are not compared as
// candidates (that would count live-vs-live differences as raw differences in the noise model).
// Live's and the secondary's bodies are prepared (decoded, parsed, hashed) once for all candidates.

import type { CompareConfig } from '../options.js';
import type { AnswerInput, PairComparison, PairInput, SideEffectInput } from '../types.js';
import { comparePairPrepared, comparePairPreparedAsync, prepareAnswerBody, type CompareState, type PreparedSides } from './compare-pair.js';

export interface ChallengerAnswer {
  readonly challengerId: string;
  /** `candidate` or `secondary` (open vocabulary: anything but `secondary` is compared as a candidate). */
  readonly role: string;
  readonly answer: AnswerInput;
  readonly sideEffects?: readonly SideEffectInput[];
}

export interface ExchangeInput {
  readonly exchangeId?: string;
  readonly method: string;
  readonly path: string;
  readonly routeTemplate?: string | null;
  readonly live: AnswerInput;
  readonly liveSideEffects?: readonly SideEffectInput[];
  readonly challengers: readonly ChallengerAnswer[];
}

export interface ChallengerComparison {
  readonly challengerId: string;
  readonly comparison: PairComparison;
}

function preparedOf(input: ExchangeInput, config: CompareConfig): PreparedSides {
  const secondary = input.challengers.find((c) => c.role === 'secondary');
  return { live: prepareAnswerBody(input.live, config), secondary: secondary === undefined ? null : prepareAnswerBody(secondary.answer, config) };
}

function pairsOf(input: ExchangeInput): { challengerId: string; pair: PairInput }[] {
  const secondary = input.challengers.find((c) => c.role === 'secondary') ?? null;
  const out: { challengerId: string; pair: PairInput }[] = [];
  for (const c of input.challengers) {
    if (c.role === 'secondary') continue;
    const pair: PairInput = {
      method: input.method,
      path: input.path,
      live: input.live,
      candidate: c.answer,
      secondary: secondary?.answer ?? null,
      ...(input.exchangeId === undefined ? {} : { exchangeId: input.exchangeId }),
      ...(input.routeTemplate === undefined ? {} : { routeTemplate: input.routeTemplate }),
      ...(input.liveSideEffects === undefined ? {} : { liveSideEffects: input.liveSideEffects }),
      ...(c.sideEffects === undefined ? {} : { candidateSideEffects: c.sideEffects }),
      ...(secondary?.sideEffects === undefined ? {} : { secondarySideEffects: secondary.sideEffects }),
    };
    out.push({ challengerId: c.challengerId, pair });
  }
  return out;
}

/** Compares every candidate of one exchange against live, with the secondary (if any) as baseline. */
export function compareExchange(input: ExchangeInput, config: CompareConfig, state?: CompareState): ChallengerComparison[] {
  const pairs = pairsOf(input);
  if (pairs.length === 0) return [];
  const prepared = preparedOf(input, config);
  return pairs.map(({ challengerId, pair }) => ({ challengerId, comparison: comparePairPrepared(pair, config, state, prepared) }));
}

/** compareExchange with the judge (see comparePairAsync); candidates are judged concurrently. */
export async function compareExchangeAsync(input: ExchangeInput, config: CompareConfig, state?: CompareState): Promise<ChallengerComparison[]> {
  const pairs = pairsOf(input);
  if (pairs.length === 0) return [];
  const prepared = preparedOf(input, config);
  return Promise.all(
    pairs.map(async ({ challengerId, pair }) => ({ challengerId, comparison: await comparePairPreparedAsync(pair, config, state, prepared) })),
  );
}
