// The TensorFlow.js namespace as a type. Model and kernel code take the namespace as a parameter, so
// it runs unchanged on whichever package loadTf() picked (tfBackend.ts); a leaf module, so the
// kernels name it without importing the loader that installs them.
export type Tf = typeof import('@tensorflow/tfjs');
