// Builds small random-weight functional Keras models with TensorFlow.js
// (a ResNet-like and a MobileNetV2-like network), saves each as a layers
// model (model.json + weights.bin) and writes expected.json: the logits
// TensorFlow.js computes for a fixed input (the formula of fixture.GraphInput in
// internal/fixture, laid out NHWC) and the gradient of the
// largest logit with respect to that input. See README.md.
import * as tf from "@tensorflow/tfjs";
import fs from "node:fs";
import path from "node:path";

const out = process.argv[2];
if (!out) {
  console.error("usage: node tfjs.mjs OUTDIR");
  process.exit(2);
}

let seed = 1;
const init = (std) => tf.initializers.randomNormal({ mean: 0, stddev: std, seed: seed++ });
const uniform = (lo, hi) => tf.initializers.randomUniform({ minval: lo, maxval: hi, seed: seed++ });
const conv = (filters, k, strides, padding, name) =>
  tf.layers.conv2d({ filters, kernelSize: k, strides, padding, useBias: false, kernelInitializer: init(0.3), name });
const bn = (name) =>
  tf.layers.batchNormalization({
    name, axis: -1, epsilon: 1e-3,
    gammaInitializer: uniform(0.5, 1.5), betaInitializer: uniform(-0.3, 0.3),
    movingMeanInitializer: uniform(-0.2, 0.2), movingVarianceInitializer: uniform(0.5, 1.5),
  });

function resnet() {
  const x = tf.input({ shape: [16, 16, 3], name: "image" });
  let h = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: "same", kernelInitializer: init(0.3), biasInitializer: uniform(-0.1, 0.1), name: "stem" }).apply(x);
  h = tf.layers.reLU({ name: "stem_relu" }).apply(h);
  // An identity block: conv-bn-relu-conv-bn, add, relu.
  let b = conv(8, 3, 1, "same", "b1_conv1").apply(h);
  b = bn("b1_bn1").apply(b);
  b = tf.layers.activation({ activation: "relu", name: "b1_relu1" }).apply(b);
  b = conv(8, 3, 1, "same", "b1_conv2").apply(b);
  b = bn("b1_bn2").apply(b);
  h = tf.layers.add({ name: "b1_add" }).apply([b, h]);
  h = tf.layers.reLU({ name: "b1_out" }).apply(h);
  // A downsampling block with a 1x1 projection shortcut.
  let d = conv(12, 3, 2, "same", "b2_conv1").apply(h);
  d = bn("b2_bn1").apply(d);
  d = tf.layers.reLU({ name: "b2_relu1" }).apply(d);
  d = conv(12, 3, 1, "same", "b2_conv2").apply(d);
  d = bn("b2_bn2").apply(d);
  let s = conv(12, 1, 2, "valid", "b2_proj").apply(h);
  s = bn("b2_proj_bn").apply(s);
  h = tf.layers.add({ name: "b2_add" }).apply([d, s]);
  h = tf.layers.reLU({ name: "b2_out" }).apply(h);
  // Two branches joined on the channels, then an uneven 'same' max pool.
  const l = tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: "relu", kernelInitializer: init(0.3), name: "left" }).apply(h);
  const r = tf.layers.maxPooling2d({ poolSize: 3, strides: 1, padding: "same", name: "right" }).apply(h);
  h = tf.layers.concatenate({ axis: -1, name: "cat" }).apply([l, r]);
  h = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: "same", name: "pool" }).apply(h);
  h = tf.layers.globalAveragePooling2d({ name: "gap" }).apply(h);
  const y = tf.layers.dense({ units: 5, kernelInitializer: init(0.5), biasInitializer: uniform(-0.1, 0.1), name: "logits" }).apply(h);
  return tf.model({ inputs: x, outputs: y, name: "resnet_like" });
}

function mobilenet() {
  const x = tf.input({ shape: [16, 16, 3], name: "image" });
  let h = tf.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: "stem_pad" }).apply(x);
  h = conv(8, 3, 2, "valid", "stem").apply(h);
  h = bn("stem_bn").apply(h);
  h = tf.layers.reLU({ maxValue: 6, name: "stem_relu6" }).apply(h);
  const block = (inp, expand, out, stride, name) => {
    let e = conv(expand, 1, 1, "same", name + "_expand").apply(inp);
    e = bn(name + "_expand_bn").apply(e);
    e = tf.layers.reLU({ maxValue: 6, name: name + "_expand_relu" }).apply(e);
    e = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: "same", useBias: false, depthwiseInitializer: init(0.4), name: name + "_dw" }).apply(e);
    e = bn(name + "_dw_bn").apply(e);
    e = tf.layers.activation({ activation: "relu6", name: name + "_dw_relu" }).apply(e);
    e = conv(out, 1, 1, "same", name + "_project").apply(e);
    e = bn(name + "_project_bn").apply(e);
    return e;
  };
  let r = block(h, 24, 8, 1, "b1");
  h = tf.layers.add({ name: "b1_add" }).apply([h, r]);
  h = block(h, 24, 12, 2, "b2");
  r = block(h, 36, 12, 1, "b3");
  h = tf.layers.add({ name: "b3_add" }).apply([h, r]);
  h = tf.layers.globalAveragePooling2d({ name: "gap" }).apply(h);
  const y = tf.layers.dense({ units: 5, kernelInitializer: init(0.5), biasInitializer: uniform(-0.1, 0.1), name: "logits" }).apply(h);
  return tf.model({ inputs: x, outputs: y, name: "mobilenetv2_like" });
}

// The fixed input: a smooth colour pattern given in CHW order (as cnnviz
// feeds it), rounded to float32 and laid out NHWC for TensorFlow.js.
function input() {
  const v = new Float32Array(16 * 16 * 3);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < 256; p++) {
      const i = c * 256 + p;
      v[p * 3 + c] = 0.5 + 0.45 * Math.sin(0.37 * i + 0.11 * (i % 3));
    }
  }
  return v;
}

// Eight significant digits keep the JSON small and far finer than the
// tests' tolerance.
const round = (a) => Array.from(a, (v) => Number(v.toPrecision(8)));

for (const [name, build] of [["tfjs-resnet", resnet], ["tfjs-mobilenetv2", mobilenet]]) {
  const model = build();
  const dir = path.join(out, name);
  fs.mkdirSync(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (a) => {
    fs.writeFileSync(path.join(dir, "weights.bin"), Buffer.from(a.weightData));
    const json = {
      format: "layers-model", generatedBy: "TensorFlow.js tfjs-layers v" + tf.version.tfjs, convertedBy: null,
      modelTopology: a.modelTopology,
      weightsManifest: [{ paths: ["weights.bin"], weights: a.weightSpecs }],
    };
    fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify(json));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }));
  const x = tf.tensor4d(input(), [1, 16, 16, 3]);
  const logits = model.predict(x).dataSync();
  const cls = logits.indexOf(Math.max(...logits));
  const grad = tf.grad((v) => model.apply(v).gather([cls], 1).sum())(x).dataSync();
  fs.writeFileSync(path.join(dir, "expected.json"), JSON.stringify({
    engine: "@tensorflow/tfjs " + tf.version.tfjs + " (" + tf.getBackend() + " backend)",
    logits: Array.from(logits), grad_class: cls, input_grad_nhwc: round(grad),
  }));
  console.log(name, Array.from(logits), cls);
}
