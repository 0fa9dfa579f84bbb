"""Stage: embedding. Owns text -> vectors: which model file a name means and its fingerprint
(`resolve`), the encoders (`encoders`: the torch model and the hash stand-in; `onnx`: the
onnxruntime encoder), choosing one from the settings (`load`), the ONNX export and its check
(`onnx_export`, `onnx_verify`), the batch pipeline for GPU ingest (`pipeline`) and sentence
spans pooled from a passage's forward pass (`spans`). May import only the root vocabulary;
torch, sentence-transformers and onnxruntime are imported inside the functions that use them.
"""
