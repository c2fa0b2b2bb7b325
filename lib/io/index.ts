/**
 * Saving and loading: safetensors state dicts, whole models, atomic writes.
 * @example
 * import * as os from 'os';
 * import * as path from 'path';
 * import { io, nn } from 'tensorforge';
 * const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
 * io.save(model.stateDict(), path.join(os.tmpdir(), 'weights.safetensors'));   // weights only
 * io.saveModel(model, path.join(os.tmpdir(), 'model-dir'));                   // architecture + weights
 * const again = io.loadModel<nn.Sequential>(path.join(os.tmpdir(), 'model-dir'));
 */
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
