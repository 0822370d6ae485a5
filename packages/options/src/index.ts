export type { CodedErrorClass, CodedErrorOptions, ErrorConverterOptions } from './errors/coded-error.js';
export { CodedError, errorConverter, messageOf, saysRetriable } from './errors/coded-error.js';
export type { Logger } from './logging/logger.js';
export { silentLogger } from './logging/logger.js';
export { describeJson, describeValue, mustBe } from './values/describe.js';
export { fieldPath, isPlainObject, valueAt } from './values/objects.js';
export { globMatches, globToRegExp } from './patterns/glob.js';
