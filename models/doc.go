// Package models holds cnnviz's model architectures and model files.
//
// A model file is a safetensors file whose tensors are the parameters by
// name ("conv1.weight", "conv1.bias", ...) in float32, and whose metadata
// key "architecture" holds the nn.Spec as JSON: one file is one complete
// model. Load checks everything a file from outside can get wrong; Save
// writes the same format and round-trips exactly.
//
// Two trained models ship with cnnviz, embedded from this folder: "mnist",
// a compact CNN that ends in global average pooling and one dense layer (so
// class activation maps apply exactly), and "convnetjs", the ConvNetJS MNIST
// demo architecture, the reference for speed comparisons. The command
// models/train trains both natively with the page's trainer, core/train;
// models/checkpoint saves and resumes that trainer's sessions as model
// files with the optimizer's state added. "robust" (Robust) is the wider
// mnistwide architecture trained on adversarial examples (the trainer's
// -adv-eps), to resist them, stored in half precision. A third, "tinyvgg", the Tiny VGG of CNN
// Explainer, classifies 64×64 colour photos; it was imported from its
// TensorFlow.js files.
//
// Import reads a model from dropped files: a model file, an ONNX file, or a
// TensorFlow.js layers model, the last two through the onnx and tfjs
// packages, which turn foreign chains of layers into an nn.Spec and weights.
package models
