// The runner's Migration type (src/migrate/), re-exported so the schema files import it locally.
export type { Migration } from '../migrate/types.js';
