// Exports a world model to ONNX with standard operators (opset 17: Gemm, LayerNormalization,
// Softplus/Tanh/Mul for Mish, Reshape/Softmax for SimNorm, Sigmoid, Concat), so it can be run and
// compared by onnxruntime and other standard tools. The onnx.proto3 messages needed are declared
// inline with their field numbers from github.com/onnx/onnx/blob/main/onnx/onnx.proto3 and
// encoded by protobufjs. Used by `worldcore model export-onnx`, the equivalence tests and the bench.
import protobuf from "protobufjs";
import { LN_EPS, SIMNORM_GROUP, headInDim, headOutDim, layers, type HeadName, HEADS } from "./arch.js";
import type { Model } from "./load.js";

const ONNX_PROTO = `
syntax = "proto3";
package onnx;
message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; FLOATS = 6; INTS = 7; STRINGS = 8; }
  string name = 1;
  string ref_attr_name = 21;
  string doc_string = 13;
  AttributeType type = 20;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
}
message ValueInfoProto { string name = 1; TypeProto type = 2; string doc_string = 3; }
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  string domain = 7;
  repeated AttributeProto attribute = 5;
  string doc_string = 6;
}
message ModelProto {
  int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  string producer_name = 2;
  string producer_version = 3;
  string domain = 4;
  int64 model_version = 5;
  string doc_string = 6;
  GraphProto graph = 7;
}
message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}
message TensorProto {
  repeated int64 dims = 1;
  int32 data_type = 2;
  repeated float float_data = 4;
  repeated int64 int64_data = 7;
  string name = 8;
  bytes raw_data = 9;
  string doc_string = 12;
}
message TensorShapeProto {
  message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } string denotation = 3; }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
  string denotation = 6;
}
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
`;

const FLOAT = 1; // TensorProto.DataType
const INT64 = 7;
const ATTR_FLOAT = 1, ATTR_INT = 2;
export const ONNX_OPSET = 17; // LayerNormalization first appears in opset 17
const IR_VERSION = 8;

let modelType: protobuf.Type | undefined;
function modelProto(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_PROTO, { keepCase: true }).root.lookupType("onnx.ModelProto");
  return modelType;
}

/** Graph input and output names. */
export const ONNX_INPUTS = { obs: "obs", latent: "latent", action: "action", geometry: "geometry" } as const;
export const ONNX_OUTPUTS: Record<HeadName, string> = { enc: "z_enc", dyn: "z_next", cost: "cost", evt: "events", dec: "obs_dec" };

export interface OnnxExportOptions {
  /** Heads to include (default all); graph inputs are only those the heads need. */
  heads?: readonly HeadName[];
}

type Attr = { name: string; type: number; f?: number; i?: number };

export function exportOnnx(model: Model, opts: OnnxExportOptions = {}): Uint8Array {
  const a = model.manifest.architecture;
  const heads = opts.heads ?? HEADS;
  const nodes: object[] = [];
  const inits: object[] = [];
  let uid = 0;
  const fresh = (base: string) => `${base}_${uid++}`;
  const node = (op: string, input: string[], attrs: Attr[] = [], outName?: string): string => {
    const out = outName ?? fresh(op.toLowerCase());
    nodes.push({ op_type: op, input, output: [out], name: fresh(`n_${op}`), attribute: attrs });
    return out;
  };
  const floatInit = (name: string, dims: number[], data: Float32Array) => {
    inits.push({ name, dims, data_type: FLOAT, raw_data: new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) });
  };
  const shapeInit = (name: string, dims: number[]) => { inits.push({ name, dims: [dims.length], data_type: INT64, int64_data: dims }); };
  const valueInfo = (name: string, width: number) => ({
    name, type: { tensor_type: { elem_type: FLOAT, shape: { dim: [{ dim_param: "batch" }, { dim_value: width }] } } },
  });

  const used = new Set<string>();
  for (const s of model.tensors.keys()) used.add(s);
  const t = (name: string) => model.tensors.get(name)!;
  const needs = { obs: heads.includes("enc"), za: heads.some((h) => h === "dyn" || h === "cost" || h === "evt"), latent: false };
  needs.latent = needs.za || heads.includes("dec");
  const inputs: object[] = [];
  if (needs.obs) inputs.push(valueInfo(ONNX_INPUTS.obs, a.obs_dim));
  if (needs.latent) inputs.push(valueInfo(ONNX_INPUTS.latent, a.latent_dim));
  if (needs.za) inputs.push(valueInfo(ONNX_INPUTS.action, a.act_dim));
  const za = needs.za ? node("Concat", [ONNX_INPUTS.latent, ONNX_INPUTS.action], [{ name: "axis", type: ATTR_INT, i: 1 }]) : "";
  // A model with geometry features (host/model/geometry.ts) takes them as one more input of the event head.
  const G = heads.includes("evt") ? a.geometry_dim ?? 0 : 0;
  if (G > 0) inputs.push(valueInfo(ONNX_INPUTS.geometry, G));
  const zag = G > 0 ? node("Concat", [za, ONNX_INPUTS.geometry], [{ name: "axis", type: ATTR_INT, i: 1 }]) : za;

  for (const h of heads) {
    let x: string;
    if (h === "enc") {
      floatInit("obs.mean", [a.obs_dim], t("obs.mean"));
      floatInit("obs.std", [a.obs_dim], t("obs.std"));
      x = node("Div", [node("Sub", [ONNX_INPUTS.obs, "obs.mean"]), "obs.std"]);
    } else x = h === "dec" ? ONNX_INPUTS.latent : h === "evt" ? zag : za;
    const ls = layers(a).filter((l) => l.head === h);
    ls.forEach((l, j) => {
      const p = `${h}.${l.index}`;
      floatInit(`${p}.weight`, [l.outDim, l.inDim], t(`${p}.weight`));
      floatInit(`${p}.bias`, [l.outDim], t(`${p}.bias`));
      x = node("Gemm", [x, `${p}.weight`, `${p}.bias`], [{ name: "transB", type: ATTR_INT, i: 1 }]);
      if (l.normed) {
        floatInit(`${p}.ln.weight`, [l.outDim], t(`${p}.ln.weight`));
        floatInit(`${p}.ln.bias`, [l.outDim], t(`${p}.ln.bias`));
        x = node("LayerNormalization", [x, `${p}.ln.weight`, `${p}.ln.bias`], [
          { name: "axis", type: ATTR_INT, i: -1 }, { name: "epsilon", type: ATTR_FLOAT, f: LN_EPS },
        ]);
      }
      if (l.act === "mish") x = node("Mul", [x, node("Tanh", [node("Softplus", [x])])]);
      else if (l.act === "sigmoid") x = node("Sigmoid", [x]);
      else if (l.act === "simnorm") {
        const g = `${p}.simnorm_groups`, back = `${p}.simnorm_shape`;
        shapeInit(g, [-1, SIMNORM_GROUP]);
        shapeInit(back, [-1, l.outDim]);
        x = node("Reshape", [node("Softmax", [node("Reshape", [x, g])], [{ name: "axis", type: ATTR_INT, i: -1 }]), back]);
      }
      if (j === ls.length - 1) node("Identity", [x], [], ONNX_OUTPUTS[h]);
    });
  }
  const outputs = heads.map((h) => valueInfo(ONNX_OUTPUTS[h], headOutDim(a, h)));
  void headInDim;
  const T = modelProto();
  const msg = T.fromObject({
    ir_version: IR_VERSION,
    opset_import: [{ domain: "", version: ONNX_OPSET }],
    producer_name: "worldcore",
    producer_version: "1",
    doc_string: `${model.manifest.name}: TD-MPC2-style world model exported by host/model/onnx.ts`,
    graph: { name: model.manifest.name, node: nodes, initializer: inits, input: inputs, output: outputs },
  });
  return T.encode(msg).finish();
}
