// A deterministic, dependency-free embedder: feature hashing of word unigrams and bigrams (signed,
// FNV-1a). Low quality — it only matches shared words, never synonyms — and exists as an explicit
// fallback for hosts where tfjs cannot load. It is never substituted silently: search results name it.
import { normalize, type Embedder } from './embedder.js';

const STOP = new Set(['a', 'an', 'the', 'and', 'or', 'of', 'for', 'to', 'in', 'on', 'with', 'by', 'is', 'are', 'that', 'this', 'it', 'as', 'at', 'be', 'from']);

export function hashWords(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 1 && !STOP.has(w));
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class HashingEmbedder implements Embedder {
  readonly provider = 'hashing' as const;
  readonly modelId: string;

  constructor(readonly dimension = 256) {
    this.modelId = `hashing-ngram12-d${dimension}-v1`;
  }

  embedOne(text: string): Float32Array {
    const v = new Float32Array(this.dimension);
    const words = hashWords(text);
    const add = (feature: string, weight: number) => {
      const h = fnv1a(feature);
      v[h % this.dimension]! += (h & 0x80000000 ? -1 : 1) * weight;
    };
    for (let i = 0; i < words.length; i++) {
      add(words[i]!, 1);
      // A 5-letter prefix lets "throughput"/"throughputs" or "latency"/"latencies" share a feature.
      if (words[i]!.length > 5) add(`p:${words[i]!.slice(0, 5)}`, 0.5);
      if (i + 1 < words.length) add(`${words[i]} ${words[i + 1]}`, 0.7);
    }
    return normalize(v);
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }
}
