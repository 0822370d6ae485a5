// Preloaded with `node --import` (NODE_OPTIONS) by test/clock/clock-ahead.test.ts: moves this
// process's wall clock, Date, forward by SHADOW_CLOCK_SHIFT_DAYS days, as if the suite ran that much
// later. Only Date moves: timers and performance.now() run on the monotonic clock and are left alone,
// so timeouts and durations stay real. libfaketime was tried first and measured unusable here:
// embedded chDB under it took 76 s instead of 3 s to apply the migrations, and its now() stayed on
// the real clock while today() and the TTL moved (see docs/tables.md, "Retention").
const days = Number(process.env.SHADOW_CLOCK_SHIFT_DAYS ?? '0');
if (!Number.isFinite(days)) throw new Error(`SHADOW_CLOCK_SHIFT_DAYS must be a number of days, got ${process.env.SHADOW_CLOCK_SHIFT_DAYS}`);
if (days !== 0) {
  const RealDate = Date;
  const offset = days * 86_400_000;
  // A function, not a subclass, so `Date()` without `new` keeps returning the current time as text.
  function ShiftedDate(...args) {
    if (new.target === undefined) return new RealDate(RealDate.now() + offset).toString();
    return args.length === 0 ? new RealDate(RealDate.now() + offset) : new RealDate(...args);
  }
  ShiftedDate.prototype = RealDate.prototype;
  ShiftedDate.now = () => RealDate.now() + offset;
  ShiftedDate.parse = RealDate.parse;
  ShiftedDate.UTC = RealDate.UTC;
  globalThis.Date = ShiftedDate;
}
