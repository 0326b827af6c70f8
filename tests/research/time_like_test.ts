import assert from "node:assert/strict";
import { toMicros, utcDate } from "../../src/research/time_like.ts";

Deno.test("toMicros reads dates, zone-less ISO times as UTC, and keeps microseconds", () => {
  assert.equal(toMicros("2024-05-01"), 1_714_521_600_000_000);
  assert.equal(toMicros("2024-05-01T00:00:00"), 1_714_521_600_000_000);
  assert.equal(toMicros("2024-05-01T02:00:00+02:00"), 1_714_521_600_000_000);
  assert.equal(toMicros("2024-05-01T00:00:00.000123Z"), 1_714_521_600_000_123);
  assert.equal(toMicros(new Date("2024-05-01T00:00:00Z")), 1_714_521_600_000_000);
  assert.equal(toMicros(1_714_521_600_000_000n), 1_714_521_600_000_000);
});

Deno.test("toMicros rejects text that is not a time and fractional numbers", () => {
  assert.throws(() => toMicros("yesterday"), RangeError);
  assert.throws(() => toMicros(1.5), RangeError);
  assert.throws(() => toMicros(new Date("nope")), RangeError);
});

Deno.test("utcDate gives the UTC day of a microsecond time", () => {
  assert.equal(utcDate(1_714_521_600_000_000), "2024-05-01");
  assert.equal(utcDate(1_714_521_600_000_000 - 1), "2024-04-30");
});
