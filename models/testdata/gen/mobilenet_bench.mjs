// Times MobileNetV2 (width 1.0, 224x224x3, 1000 classes, random weights) in
// TensorFlow.js on one thread, the figure BenchmarkMobileNetV2Forward in
// core/nn is compared with. Usage: node mobilenet_bench.mjs [wasm|cpu] [iterations]
// (needs @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm; see README.md).
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { setThreadsCount } from "@tensorflow/tfjs-backend-wasm";

const backend = process.argv[2] || "wasm";
if (backend === "wasm") setThreadsCount(1);
await tf.setBackend(backend);
await tf.ready();
const x = tf.input({ shape: [224, 224, 3] });
const conv = (h, f, k, s) => tf.layers.conv2d({ filters: f, kernelSize: k, strides: s, padding: "same" }).apply(h);
const relu6 = (h) => tf.layers.reLU({ maxValue: 6 }).apply(h);
let h = relu6(conv(x, 32, 3, 2));
let ch = 32;
for (const [t, c, n, s] of [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]) {
  for (let r = 0; r < n; r++) {
    const st = r === 0 ? s : 1;
    let e = h;
    if (t !== 1) e = relu6(conv(e, ch * t, 1, 1));
    e = relu6(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: st, padding: "same" }).apply(e));
    e = conv(e, c, 1, 1);
    if (st === 1 && ch === c) e = tf.layers.add().apply([e, h]);
    h = e;
    ch = c;
  }
}
h = relu6(conv(h, 1280, 1, 1));
h = tf.layers.globalAveragePooling2d({}).apply(h);
const y = tf.layers.dense({ units: 1000 }).apply(h);
const model = tf.model({ inputs: x, outputs: y });
const input = tf.randomUniform([1, 224, 224, 3]);
for (let i = 0; i < 3; i++) model.predict(input).dataSync();
const times = [];
const iters = Number(process.argv[3] || 10);
for (let i = 0; i < iters; i++) {
  const t0 = performance.now();
  model.predict(input).dataSync();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(backend, "threads 1, median ms", times[times.length >> 1].toFixed(1), "min", times[0].toFixed(1), "params", model.countParams());
