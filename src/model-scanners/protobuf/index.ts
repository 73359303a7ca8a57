/** Bounded protobuf wire-format walker shared by the ONNX and TensorFlow SavedModel scanners. */
export {
  ProtoWalker,
  WIRE_VARINT,
  WIRE_I64,
  WIRE_LEN,
  WIRE_SGROUP,
  WIRE_EGROUP,
  WIRE_I32,
  firstTag,
  STOP_WALK,
  zigzag,
} from './wire.js';
export type { PbField, WalkOptions, FieldVisitor } from './wire.js';
