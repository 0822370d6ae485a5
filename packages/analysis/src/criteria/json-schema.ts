import { criteriaJsonSchema } from './schema.js';

/** The exact text of the shipped criteria.schema.json (2-space JSON, trailing newline). */
export function criteriaJsonSchemaText(): string {
  return `${JSON.stringify(criteriaJsonSchema(), null, 2)}\n`;
}
