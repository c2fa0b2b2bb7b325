/** Saving and loading: safetensors state dicts, whole models, atomic writes. */
export {
  save, load, loadWithMetadata, readHeader, serialize, deserialize, halfToFloat,
  type StateDict, type Metadata, type SafetensorsHeader,
} from './safetensors';
export { saveModel, loadModel, readModelInfo, MODEL_FORMAT, MODEL_VERSION, type ModelJSON } from './model';
export {
  registerLayer, registeredLayers, layerToJSON, layerFromJSON, layerParamShapes, configInt, type ParamShapes,
  type SerializableLayer, type LayerClass, type LayerSpec, type LayerJSON, type LayerConfig, type JsonValue,
} from './registry';
export { writeFileAtomic } from './atomic';
export {
  exportOnnx, toOnnx, registerOnnxConverter, decodeOnnxModel, OnnxGraph, ONNX_OPSETS, ONNX_DEFAULT_OPSET,
  type OnnxExportOptions, type OnnxExportInfo, type OnnxInputSpec, type OnnxConverter, type OnnxValue, type Dim, type AttrValue, type OnnxDType,
} from './onnx';
