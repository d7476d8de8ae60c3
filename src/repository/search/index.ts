export { createEmbedder, cosine, normalize, type Embedder } from './embedder.js';
export { HashingEmbedder } from './hashing.js';
export { HybridIndex, hybridIndexMigrations, type IndexDoc, type IndexField, type SearchHit, type SearchOptions, type SearchResult } from './hybrid-index.js';
export { queryTerms, reciprocalRankFusion } from './text.js';
export { QUALITY_QUERIES, USER_PHRASED_QUERIES, DESCRIPTIVE_QUERIES, qualityOf, qualityByMode, RANKING_MODES, type QualityQuery, type QualityReport, type RankingMode } from './quality.js';
