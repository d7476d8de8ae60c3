// Writes a tiny, real sentence-embedding model folder (ONNX graph + WordLevel tokenizer) for tests
// of the transformers provider: last_hidden_state = embedding_table[input_ids] * attention_mask.
// The ONNX protobuf is encoded with protobufjs from the subset of onnx.proto it needs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';

const ONNX_SUBSET = `
syntax = "proto3";
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message TensorProto { repeated int64 dims = 1; int32 data_type = 2; repeated float float_data = 4 [packed = true]; repeated int64 int64_data = 7 [packed = true]; string name = 8; }
message AttributeProto { string name = 1; int64 i = 3; int32 type = 20; }
message NodeProto { repeated string input = 1; repeated string output = 2; string name = 3; string op_type = 4; repeated AttributeProto attribute = 5; }
message Dimension { int64 dim_value = 1; string dim_param = 2; }
message TensorShapeProto { repeated Dimension dim = 1; }
message TensorType { int32 elem_type = 1; TensorShapeProto shape = 2; }
message TypeProto { TensorType tensor_type = 1; }
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message GraphProto { repeated NodeProto node = 1; string name = 2; repeated TensorProto initializer = 5; repeated ValueInfoProto input = 11; repeated ValueInfoProto output = 12; }
message ModelProto { int64 ir_version = 1; string producer_name = 2; GraphProto graph = 7; repeated OperatorSetIdProto opset_import = 8; }
`;

const FLOAT = 1;
const INT64 = 7;

export const TINY_VOCAB = ['[PAD]', '[UNK]', 'low', 'latency', 'web', 'requests', 'parallel', 'compile', 'throughput', 'batch', 'jobs', 'cache', 'fair', 'share'];
export const TINY_HIDDEN = 8;

/** Deterministic embedding table: row r, column c. */
export function tinyRow(r: number): number[] {
  return Array.from({ length: TINY_HIDDEN }, (_, c) => Math.sin(r * 1.7 + c * 0.9) + (r === c ? 1 : 0));
}

function valueInfo(name: string, elemType: number, dims: Array<number | string>) {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

export function writeTinyModel(dir: string): void {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const root = protobuf.parse(ONNX_SUBSET).root;
  const Model = root.lookupType('ModelProto');
  const table = TINY_VOCAB.flatMap((_, r) => tinyRow(r));
  const model = {
    irVersion: 8, producerName: 'schedcp-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny',
      initializer: [
        { name: 'embeddings', dims: [TINY_VOCAB.length, TINY_HIDDEN], dataType: FLOAT, floatData: table },
        { name: 'axis2', dims: [1], dataType: INT64, int64Data: [2] },
      ],
      node: [
        { name: 'gather', opType: 'Gather', input: ['embeddings', 'input_ids'], output: ['gathered'] },
        { name: 'cast', opType: 'Cast', input: ['attention_mask'], output: ['mask_f'], attribute: [{ name: 'to', i: FLOAT, type: 2 }] },
        { name: 'unsqueeze', opType: 'Unsqueeze', input: ['mask_f', 'axis2'], output: ['mask_e'] },
        { name: 'mul', opType: 'Mul', input: ['gathered', 'mask_e'], output: ['last_hidden_state'] },
      ],
      input: [valueInfo('input_ids', INT64, ['batch', 'seq']), valueInfo('attention_mask', INT64, ['batch', 'seq'])],
      output: [valueInfo('last_hidden_state', FLOAT, ['batch', 'seq', TINY_HIDDEN])],
    },
  };
  const problem = Model.verify(model);
  if (problem) throw new Error(`tiny ONNX model invalid: ${problem}`);
  writeFileSync(join(dir, 'onnx', 'model.onnx'), Model.encode(Model.fromObject(model)).finish());
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: 'bert', hidden_size: TINY_HIDDEN, vocab_size: TINY_VOCAB.length }));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: 'BertTokenizer', pad_token: '[PAD]', unk_token: '[UNK]', model_max_length: 64, do_lower_case: true }));
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({
    version: '1.0', truncation: null, padding: null,
    added_tokens: ['[PAD]', '[UNK]'].map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'Lowercase' }, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null,
    model: { type: 'WordLevel', vocab: Object.fromEntries(TINY_VOCAB.map((w, i) => [w, i])), unk_token: '[UNK]' },
  }));
}
