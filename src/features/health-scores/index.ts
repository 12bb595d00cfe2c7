export { createHealthScores, type HealthScoresDeps } from './create-health-scores.ts';
