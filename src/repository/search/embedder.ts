// One interface for every embedding provider. The model id and dimension are stored beside the
// vectors, so an index built with one model is re-embedded, never mixed, when the model changes.
import type { Config } from '../../config/index.js';
import { SchedcpError, quote } from '../../errors.js';

export interface Embedder {
  /** Stable id of the model (and its settings); a change triggers re-embedding. */
  readonly modelId: string;
  readonly dimension: number;
  /** Which provider this is, reported with every search result. */
  readonly provider: 'use-lite' | 'transformers' | 'hashing';
  /** One L2-normalised vector per text, in order. */
  embed(texts: string[]): Promise<Float32Array[]>;
}

export function normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i] = v[i]! / norm;
  return v;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

const cache = new Map<string, Promise<Embedder>>();

/** The embedder the config selects; loaded once per process (model loading is the slow part). */
export function createEmbedder(config: Pick<Config, 'repository'>): Promise<Embedder> {
  const r = config.repository;
  const key = `${r.embedding}|${r.transformersModelPath ?? ''}|${r.allowRemoteModels}`;
  let pending = cache.get(key);
  if (!pending) {
    pending = loadEmbedder(config);
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

async function loadEmbedder(config: Pick<Config, 'repository'>): Promise<Embedder> {
  const r = config.repository;
  switch (r.embedding) {
    case 'use-lite': {
      const { loadUseLiteEmbedder } = await import('./use-lite.js');
      return loadUseLiteEmbedder();
    }
    case 'transformers': {
      if (!r.transformersModelPath) {
        throw new SchedcpError('config_invalid', 'repository.embedding is "transformers" but repository.transformersModelPath is not set; point it at a local folder holding an ONNX sentence-embedding model (onnx/model.onnx, tokenizer.json, config.json).');
      }
      const { loadTransformersEmbedder } = await import('./transformers.js');
      return loadTransformersEmbedder({ modelPath: r.transformersModelPath, allowRemoteModels: r.allowRemoteModels });
    }
    case 'hashing': {
      const { HashingEmbedder } = await import('./hashing.js');
      return new HashingEmbedder();
    }
    default:
      throw new SchedcpError('config_invalid', `Unknown repository.embedding ${quote(r.embedding)}; allowed: use-lite, transformers, hashing.`);
  }
}
