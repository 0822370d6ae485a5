import { describe, expect, it } from 'vitest';
import { parseDuration, formatDuration } from './duration.js';
import { routeLabel, routeMatches, splitRouteKey } from './patterns.js';

describe('routeMatches', () => {
  it('matches a pattern with or without a method', () => {
    expect(routeMatches('/health', { route: '/health', method: 'GET' })).toBe(true);
    expect(routeMatches('GET /health', { route: '/health', method: 'get' })).toBe(true);
    expect(routeMatches('POST /health', { route: '/health', method: 'GET' })).toBe(false);
    expect(routeMatches('* /users/*', { route: '/users/:id', method: 'DELETE' })).toBe(true);
  });

  it('splits and labels route keys', () => {
    expect(splitRouteKey('get /users/:id')).toEqual({ method: 'GET', template: '/users/:id' });
    expect(splitRouteKey('/users/:id')).toEqual({ method: undefined, template: '/users/:id' });
    expect(routeLabel({ route: '/users/:id', method: 'get' })).toBe('GET /users/:id');
    expect(routeLabel({ route: '/users/:id' })).toBe('/users/:id');
  });
});

describe('durations', () => {
  it('parses and formats', () => {
    expect(parseDuration('48h')).toBe(172_800_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('250ms')).toBe(250);
    expect(() => parseDuration('2 days')).toThrow(/not a duration/);
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(172_800_000)).toBe('2d');
    expect(formatDuration(1500)).toBe('1.5s');
  });
});
