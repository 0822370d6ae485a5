export { Semaphore } from './semaphore.js';
export { TokenBucket } from './token-bucket.js';
