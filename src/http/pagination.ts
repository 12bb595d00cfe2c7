import { Type, type TSchema } from 'typebox';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

export interface PageRequest {
  page: number;
  pageSize: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

/** The query-string fields of every paged list: `page` and `page_size`. */
export const PageQuery = {
  page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1, description: 'Page number, from 1' }),
  page_size: Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, description: `Items per page (max ${MAX_PAGE_SIZE})` }),
};

/** The `order` query-string field of a list. */
export function orderQuery(defaultOrder: 'asc' | 'desc', description = 'Sort direction') {
  return Type.Enum(['asc', 'desc'], { default: defaultOrder, description });
}

/** Query-string fields shared by every sortable list endpoint; extend with its own filters. */
export function listQuerySchema<Sort extends string, Props extends Record<string, TSchema>>(sortFields: readonly Sort[], defaultSort: Sort, filters: Props) {
  return Type.Object({
    ...PageQuery,
    sort: Type.Enum(sortFields, { default: defaultSort, description: 'Field to sort by' }),
    order: orderQuery('asc'),
    ...filters,
  });
}

export function pageSchema<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    total: Type.Integer(),
    page: Type.Integer(),
    page_size: Type.Integer(),
  });
}

export function presentPage<T, Out>(page: Page<T>, present: (item: T) => Out) {
  return { items: page.items.map(present), total: page.total, page: page.page, page_size: page.pageSize };
}

export function offsetOf(request: PageRequest): number {
  return (request.page - 1) * request.pageSize;
}
