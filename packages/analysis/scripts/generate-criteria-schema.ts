// Writes packages/analysis/criteria.schema.json from the zod schema in src/criteria/schema.ts.
// Run after changing the schema: pnpm --filter @shadow/analysis run generate:schema
// A unit test (src/criteria/json-schema.test.ts) fails while the committed file is stale.

import { writeFileSync } from 'node:fs';
import { criteriaJsonSchemaText } from '../src/criteria/json-schema.js';

const target = new URL('../criteria.schema.json', import.meta.url);
writeFileSync(target, criteriaJsonSchemaText());
console.log(`wrote ${target.pathname}`);
