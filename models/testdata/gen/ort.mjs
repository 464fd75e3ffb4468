// Runs each ONNX model DIR/*/model.onnx with onnxruntime on the fixed
// input [1, 3, 16, 16] (the formula of fixture.GraphInput in
// internal/fixture) and writes DIR/*/expected.json with the
// logits. See README.md.
import * as ort from "onnxruntime-web";
import fs from "node:fs";
import path from "node:path";

const root = process.argv[2];
if (!root) {
  console.error("usage: node ort.mjs DIR");
  process.exit(2);
}
ort.env.wasm.numThreads = 1;

const x = new Float32Array(3 * 16 * 16);
for (let i = 0; i < x.length; i++) x[i] = 0.5 + 0.45 * Math.sin(0.37 * i + 0.11 * (i % 3));

for (const name of fs.readdirSync(root).sort()) {
  const file = path.join(root, name, "model.onnx");
  if (!fs.existsSync(file)) continue;
  const session = await ort.InferenceSession.create(fs.readFileSync(file));
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", x, [1, 3, 16, 16]) };
  const out = await session.run(feeds);
  const logits = Array.from(out[session.outputNames[0]].data);
  fs.writeFileSync(path.join(root, name, "expected.json"), JSON.stringify({
    engine: "onnxruntime-web " + ort.env.versions.web + " (wasm)", logits,
  }));
  console.log(name, logits);
}
