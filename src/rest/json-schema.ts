// A zod schema as JSON Schema 2020-12 through Standard Schema, exactly as the MCP SDK lists tools.
import type { z } from 'zod';

export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const std = (schema as unknown as { '~standard': { jsonSchema: Record<'input' | 'output', (o: { target: string }) => Record<string, unknown>> } })['~standard'];
  return std.jsonSchema[io]({ target: 'draft-2020-12' });
}
