/**
 * Whether PostgreSQL refused a statement for the data it carried, rather than failing to run
 * it: class 22 (data exception: a value it cannot hold, such as a number numeric overflows),
 * 23 (integrity constraint violation) or 54 (program limit exceeded: JSON nested beyond its
 * stack, an index entry or a value beyond its sizes). The same data fails the same way every
 * time, so retrying cannot help: the request is a 4xx, a job sets the data aside. Both drivers
 * put the SQLSTATE in `code`; connection failures carry none, or a Node.js code (`ECONNRESET`).
 */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.length === 5 && (code.startsWith('22') || code.startsWith('23') || code.startsWith('54'));
}

/** Whether a statement referred to a row that is gone (SQLSTATE 23503), e.g. one deleted meanwhile by another request. */
export function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23503';
}

/** Whether a statement broke a unique index (SQLSTATE 23505), e.g. lost a race to insert the same key. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505';
}
