/**
 * tensorforge.nn: modules, layers, initialisers and gradient utilities, named as in torch.nn.
 * @example
 * const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 3));
 * const y = model.forward(randn([8, 4]));
 */
export { Module, Parameter, type AnyModule, type StateDict, type LoadResult } from './module';
export { Sequential, ModuleList, ModuleDict } from './layers/container';
export { Linear, Identity, Flatten, Dropout } from './layers/linear';
export { ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus, Softmax, LogSoftmax } from './layers/activation';
export { Embedding } from './layers/embedding';
export { Conv1d, Conv2d, ConvTranspose2d, type Conv1dModuleOptions, type Conv2dModuleOptions, type ConvTranspose2dModuleOptions } from './layers/conv';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './layers/pooling';
export { BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, type BatchNormModuleOptions } from './layers/normalization';
export { Upsample } from './layers/upsampling';
export { RNN, LSTM, GRU, type RNNOptions } from './layers/rnn';
export { RNNCell, LSTMCell, GRUCell, type RNNCellOptions } from './layers/cells';
export { PixelShuffle, PixelUnshuffle, Dropout2d } from './layers/pixel';
export { MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from './layers/attention';
export {
  TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder, generateSquareSubsequentMask,
  type TransformerLayerOptions, type TransformerActivation, type EncoderLayerForwardOptions, type DecoderLayerForwardOptions, type TransformerEncoderForwardOptions,
} from './layers/transformer';
export { CrossEntropyLoss, NLLLoss, MSELoss, L1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss } from './layers/loss';
export * as functional from './functional';
export * as init from './init';
export * as utils from './utils';
export * as parallel from './parallel';
