export { createEmbedder, cosine, normalize, type Embedder } from './embedder.js';
export { HashingEmbedder } from './hashing.js';
export { HybridIndex, hybridIndexMigrations, type IndexDoc, type IndexField, type SearchHit, type SearchOptions, type SearchResult } from './hybrid-index.js';
export { queryTerms, reciprocalRankFusion } from './text.js';
