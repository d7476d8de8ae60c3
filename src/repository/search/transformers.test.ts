// The transformers provider loading a real (tiny, generated) ONNX model through onnxruntime-node,
// offline. The expected vectors are computed independently: mean of the table rows, L2-normalised.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTransformersEmbedder } from './transformers.js';
import { TINY_HIDDEN, TINY_VOCAB, tinyRow, writeTinyModel } from './tiny-onnx.js';

let dir: string;
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'schedcp-onnx-')); writeTinyModel(join(dir, 'tiny-model')); });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expected(words: string[]): number[] {
  const sum = new Array<number>(TINY_HIDDEN).fill(0);
  for (const w of words) tinyRow(Math.max(1, TINY_VOCAB.indexOf(w))).forEach((v, i) => { sum[i]! += v; });
  const mean = sum.map((v) => v / words.length);
  const norm = Math.hypot(...mean);
  return mean.map((v) => v / norm);
}

describe('transformers embedder (onnxruntime-node, local model folder)', () => {
  it('loads offline, reports the model dimension, and mean-pools token embeddings correctly', async () => {
    const e = await loadTransformersEmbedder({ modelPath: join(dir, 'tiny-model'), allowRemoteModels: false });
    expect(e.provider).toBe('transformers');
    expect(e.dimension).toBe(TINY_HIDDEN);
    expect(e.modelId).toContain('tiny-model');
    const [a, b] = await e.embed(['Low latency web requests', 'parallel compile throughput']);
    [...a!].forEach((v, i) => expect(v).toBeCloseTo(expected(['low', 'latency', 'web', 'requests'])[i]!, 4));
    [...b!].forEach((v, i) => expect(v).toBeCloseTo(expected(['parallel', 'compile', 'throughput'])[i]!, 4));
    // Padding in a batch of different lengths must not change a sentence's vector.
    const [alone] = await e.embed(['batch jobs']);
    const [padded] = await e.embed(['batch jobs', 'low latency web requests cache fair share']);
    [...alone!].forEach((v, i) => expect(padded![i]).toBeCloseTo(v, 5));
  });

  it('refuses a folder without the model files, naming what is missing', async () => {
    await expect(loadTransformersEmbedder({ modelPath: dir, allowRemoteModels: false })).rejects.toThrow(/lacks config\.json/);
    await expect(loadTransformersEmbedder({ modelPath: join(dir, 'nope'), allowRemoteModels: false })).rejects.toThrow(/is not a directory/);
  });
});
