import { AppError } from '../../errors/errors.ts';
import type { ValidationIssue } from './report-model.ts';

/** FastAPI's error body: `{"detail": …}`, a message or the 422 list of validation issues. */
export interface DetailAnswer {
  statusCode: number;
  body: { detail: string | ValidationIssue[] };
  headers?: Record<string, string>;
}

/** An error the routes throw to answer in the peer's shape. */
export class DetailError extends AppError {
  override name = 'DetailError';
  readonly detail: string | ValidationIssue[];
  constructor(statusCode: number, detail: string | ValidationIssue[]) {
    super(statusCode, typeof detail === 'string' ? detail : 'invalid report');
    this.detail = detail;
  }
}

export const invalidKey = () => new DetailError(401, 'Invalid or missing API key');
export const unprocessable = (issues: ValidationIssue[]) => new DetailError(422, issues);
