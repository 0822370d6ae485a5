import { describe, expect, it } from 'vitest';
import { DailyBudget, utcDayOf } from './daily-budget.js';

const DAY = 86_400_000;

describe('DailyBudget', () => {
  it('refuses calls once the day has spent its calls, and grants them again the next UTC day', () => {
    const midnight = Math.floor(Date.now() / DAY) * DAY;
    let now = midnight + DAY - 1000;
    const budget = new DailyBudget({ callsPerDay: 2, tokensPerDay: null }, () => now);
    expect([budget.tryCall(), budget.tryCall(), budget.tryCall()]).toEqual([true, true, false]);
    expect(budget.usage()).toMatchObject({ day: utcDayOf(now), calls: 2 });
    now += 1000; // 00:00:00 UTC
    expect(budget.tryCall()).toBe(true);
    expect(budget.usage()).toMatchObject({ day: utcDayOf(midnight + DAY), calls: 1, tokens: 0 });
  });

  it('refuses calls once the reported tokens reach the limit', () => {
    const budget = new DailyBudget({ callsPerDay: null, tokensPerDay: 100 });
    expect(budget.tryCall()).toBe(true);
    budget.addTokens(60);
    expect(budget.tryCall()).toBe(true);
    budget.addTokens(60);
    expect(budget.spent).toBe(true);
    expect(budget.tryCall()).toBe(false);
    expect(budget.usage()).toMatchObject({ calls: 2, tokens: 120, tokensPerDay: 100 });
  });

  it('restores what was spent today (a restart gets no second budget), ignores other days', () => {
    const now = Date.now();
    const budget = new DailyBudget({ callsPerDay: 10, tokensPerDay: null }, () => now);
    budget.restore({ day: utcDayOf(now - DAY), calls: 10, tokens: 0 });
    expect(budget.tryCall()).toBe(true);
    budget.restore({ day: utcDayOf(now), calls: 10, tokens: 500 });
    expect(budget.tryCall()).toBe(false);
    expect(budget.usage()).toMatchObject({ calls: 10, tokens: 500 });
  });
});
