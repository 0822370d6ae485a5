import { describe, expect, it } from 'vitest';
import { SecondaryIndex } from './secondary-index.js';

describe('SecondaryIndex.covers (the per-pair noise rule)', () => {
  const index = new SecondaryIndex();
  index.add('', ['ts'], 'value_changed');
  index.add('', ['meta'], 'type_changed');
  index.add('', ['items'], 'array_length');
  index.add('', ['user', 'nick'], 'missing_in_candidate');
  index.add('header:x-req', [], 'value_changed');

  it('covers the same path and kind', () => {
    expect(index.covers('', ['ts'], 'value_changed')).toBe(true);
    expect(index.covers('header:x-req', [], 'value_changed')).toBe(true);
  });

  it('does not let a value difference cover a type change or another path', () => {
    expect(index.covers('', ['ts'], 'type_changed')).toBe(false);
    expect(index.covers('', ['price'], 'value_changed')).toBe(false);
    expect(index.covers('header:x-other', [], 'value_changed')).toBe(false);
  });

  it('lets a structural difference cover any kind at the path and everything below it', () => {
    expect(index.covers('', ['meta'], 'value_changed')).toBe(true);
    expect(index.covers('', ['meta', 'host'], 'value_changed')).toBe(true);
    expect(index.covers('', ['user', 'nick'], 'value_changed')).toBe(true);
    expect(index.covers('', ['user', 'name'], 'value_changed')).toBe(false);
  });

  it('does not let an array length difference cover the elements', () => {
    expect(index.covers('', ['items'], 'array_length')).toBe(true);
    expect(index.covers('', ['items', 0, 'price'], 'value_changed')).toBe(false);
  });
});
