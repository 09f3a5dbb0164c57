import { createPool, type DatabasePool, type Interceptor, type QueryResultRow, SchemaValidationError } from 'slonik';

/**
 * The SQL pool for everything but the event store's hot path: raw, tagged, typed SQL
 * (`sql.type(zodSchema)` + `one` / `maybeOne` / `many`). The interceptor makes the row schema a
 * check, not only a type: a row that does not match fails loudly instead of leaking `undefined`.
 */
const validateRows: Interceptor = {
  name: 'pollster-validate-rows',
  transformRowAsync: async (context, query, row, fields) => {
    const parser = context.resultParser;
    if (!parser) return row;
    const result = await parser['~standard'].validate(row);
    if (result.issues) throw new SchemaValidationError(query, row, result.issues);
    return result.value as QueryResultRow;
  },
};

export async function createSqlPool(url: string, options: { maximumPoolSize?: number } = {}): Promise<DatabasePool> {
  return createPool(url, {
    interceptors: [validateRows],
    maximumPoolSize: options.maximumPoolSize ?? 10,
  });
}
