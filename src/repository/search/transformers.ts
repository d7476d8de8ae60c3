// Provider for a user-configured local ONNX sentence-embedding model (e.g. all-MiniLM-L6-v2 exported
// to ONNX) via @huggingface/transformers on onnxruntime-node. Remote downloads stay off unless
// repository.allowRemoteModels is set; mean pooling + L2 normalisation as sentence-transformers does.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { normalize, type Embedder } from './embedder.js';
import { SchedcpError, quote } from '../../errors.js';

const BATCH = 32;

export async function loadTransformersEmbedder(options: { modelPath: string; allowRemoteModels: boolean }): Promise<Embedder> {
  const dir = resolve(options.modelPath);
  if (!options.allowRemoteModels) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new SchedcpError('config_invalid', `repository.transformersModelPath ${quote(options.modelPath)} is not a directory; it must hold onnx/model.onnx, tokenizer.json and config.json.`);
    }
    for (const file of ['config.json', 'tokenizer.json', 'onnx/model.onnx']) {
      if (!existsSync(resolve(dir, file))) {
        throw new SchedcpError('config_invalid', `The transformers model folder ${quote(dir)} lacks ${file}; expected onnx/model.onnx, tokenizer.json, tokenizer_config.json and config.json.`);
      }
    }
  }
  const hf = await import('@huggingface/transformers');
  hf.env.allowRemoteModels = options.allowRemoteModels;
  hf.env.allowLocalModels = true;
  hf.env.localModelPath = `${dirname(dir)}/`;
  let extractor: (texts: string[], o: { pooling: 'mean'; normalize: boolean }) => Promise<{ dims: number[]; data: Float32Array }>;
  try {
    extractor = await hf.pipeline('feature-extraction', basename(dir), { dtype: 'fp32', device: 'cpu' }) as unknown as typeof extractor;
  } catch (error) {
    throw new SchedcpError('unsupported', `Loading the ONNX model in ${quote(dir)} failed: ${(error as Error).message}`, { cause: error });
  }
  const probe = await extractor(['dimension probe'], { pooling: 'mean', normalize: true });
  const dimension = probe.dims[probe.dims.length - 1]!;
  return {
    provider: 'transformers',
    modelId: `transformers:${dir}:d${dimension}`,
    dimension,
    async embed(texts: string[]): Promise<Float32Array[]> {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += BATCH) {
        const batch = texts.slice(i, i + BATCH).map((t) => t || ' ');
        const result = await extractor(batch, { pooling: 'mean', normalize: true });
        for (let r = 0; r < batch.length; r++) out.push(normalize(Float32Array.from(result.data.subarray(r * dimension, (r + 1) * dimension))));
      }
      return out;
    },
  };
}
