import { z } from 'zod';

/**
 * A schema that documents a stored shape without enforcing it. Its type and its JSON
 * Schema (in /openapi.json) are `schema`'s; what it checks is only that the value is an
 * object. Results are validated on their way out, and a result written by an older
 * version (a field added since, say) must still be served as stored, not turned into a
 * 500: the schema says what the current version writes, the data stays the data.
 */
export function documentedOnly<T extends z.ZodObject>(schema: T, id: string): z.ZodType<z.output<T>> {
  const jsonSchema = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
  delete jsonSchema.$schema;
  return z
    .custom<z.output<T>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), {
      message: 'must be an object',
    })
    .meta({ id, override: jsonSchema });
}
