export { percentile, median, mean, stddev, summarize, type Summary } from './summary.js';
export { compareSamples, seededRandom, type Comparison, type CompareOptions, type Direction, type Verdict } from './compare.js';
