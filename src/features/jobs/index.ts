export { createJobs } from './create-jobs.ts';
