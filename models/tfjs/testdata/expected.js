// expected.js computes the reference outputs of the Tiny VGG fixture with
// TensorFlow.js itself, an engine independent of cnnviz, and writes the
// weight-quantized copies of the model that the Go tests also import.
//
// Run from this folder with @tensorflow/tfjs and pngjs installed outside
// the repository:
//
//	mkdir -p /tmp/tfjs && (cd /tmp/tfjs && npm install @tensorflow/tfjs@4 pngjs)
//	NODE_PATH=/tmp/tfjs/node_modules node expected.js
//
// It writes expected.json and the folders tiny-vgg-f16 and tiny-vgg-u8.
"use strict";
const fs = require("fs");
const path = require("path");
const tf = require("@tensorflow/tfjs");
const {PNG} = require("pngjs");

const H = 64, W = 64, C = 3;

// pixel is the seeded test input at CHW index i, in [0, 1); tfjs_test.go
// computes the same numbers.
function pixel(seed, i) {
  let x = (Math.imul(i, 2654435761) + Math.imul(seed, 40503) + 1) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x45d9f3b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return (x >>> 8) / 16777216;
}

// Inputs in CHW order, as cnnviz takes them.
const inputs = [];
for (const seed of [1, 2]) {
  const chw = new Float32Array(C * H * W);
  for (let i = 0; i < chw.length; i++) chw[i] = pixel(seed, i);
  inputs.push({name: "seed" + seed, chw});
}
{
  const png = PNG.sync.read(fs.readFileSync("coffee64.png"));
  const chw = new Float32Array(C * H * W);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < C; c++) chw[(c * H + y) * W + x] = png.data[4 * (y * W + x) + c] / 255;
  inputs.push({name: "coffee64.png", chw});
}

function nhwc(chw) {
  const out = new Float32Array(chw.length);
  for (let c = 0; c < C; c++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) out[(y * W + x) * C + c] = chw[(c * H + y) * W + x];
  return tf.tensor4d(out, [1, H, W, C]);
}

function toHalf(v) {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000;
  let exp = ((u >>> 23) & 0xff) - 127 + 15;
  let frac = u & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    frac |= 0x800000;
    return sign | Math.round(frac / 2 ** (14 - exp));
  }
  const h = sign | (exp << 10) | Math.round(frac / 8192);
  return h; // a carry out of the fraction correctly bumps the exponent
}

// quantize writes a copy of the model whose weights are float16 or uint8.
function quantize(model, dtype, dir) {
  const f32 = new Float32Array(fs.readFileSync(path.join("tiny-vgg", model.weightsManifest[0].paths[0])).buffer.slice(0));
  const specs = [];
  const parts = [];
  let off = 0;
  for (const w of model.weightsManifest[0].weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const v = f32.subarray(off, off + n);
    off += n;
    if (dtype === "float16") {
      const h = new Uint16Array(n);
      for (let i = 0; i < n; i++) h[i] = toHalf(v[i]);
      parts.push(Buffer.from(h.buffer));
      specs.push({...w, quantization: {dtype: "float16"}});
    } else {
      let lo = Infinity, hi = -Infinity;
      for (const x of v) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
      const scale = (hi - lo) / 255 || 1;
      const q = new Uint8Array(n);
      for (let i = 0; i < n; i++) q[i] = Math.round((v[i] - lo) / scale);
      parts.push(Buffer.from(q.buffer));
      specs.push({...w, quantization: {dtype: "uint8", scale, min: lo}});
    }
  }
  fs.mkdirSync(dir, {recursive: true});
  const bin = "group1-shard1of1.bin";
  fs.writeFileSync(path.join(dir, bin), Buffer.concat(parts));
  const out = {...model, weightsManifest: [{paths: [bin], weights: specs}]};
  fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify(out));
}

// load reads a model folder; withSoftmax false makes the last layer
// linear, so that the model gives logits.
async function load(dir, withSoftmax) {
  const model = JSON.parse(fs.readFileSync(path.join(dir, "model.json")));
  const topo = JSON.parse(JSON.stringify(model.modelTopology));
  const layers = topo.model_config.config.layers;
  if (!withSoftmax) layers[layers.length - 1].config.activation = "linear";
  const bin = fs.readFileSync(path.join(dir, model.weightsManifest[0].paths[0]));
  return tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: topo,
    weightSpecs: model.weightsManifest[0].weights,
    weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length),
  }));
}

async function main() {
  await tf.ready();
  const model = JSON.parse(fs.readFileSync("tiny-vgg/model.json"));
  quantize(model, "float16", "tiny-vgg-f16");
  quantize(model, "uint8", "tiny-vgg-u8");
  const result = {tfjs: tf.version.tfjs, backend: tf.getBackend(), inputs: inputs.map((x) => x.name), logits: {}, probs: {}};
  for (const dir of ["tiny-vgg", "tiny-vgg-f16", "tiny-vgg-u8"]) {
    const m = await load(dir, false);
    const sm = await load(dir, true);
    result.logits[dir] = inputs.map((x) => Array.from(m.predict(nhwc(x.chw)).dataSync()));
    result.probs[dir] = inputs.map((x) => Array.from(sm.predict(nhwc(x.chw)).dataSync()));
  }
  fs.writeFileSync("expected.json", JSON.stringify(result, null, 1) + "\n");
  console.log(JSON.stringify(result.probs["tiny-vgg"][2]));
}

main().catch((e) => { console.error(e); process.exit(1); });
