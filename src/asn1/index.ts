// The codec: generated types and encoders/decoders for SGP32Definitions (v1.2), RSPDefinitions (SGP.22 v2.5)
// and the PKIX modules. Uint8Array only; no node: imports, so simulators and browsers can use it.
export * from './generated/index.ts';
export { Asn1Error, type Asn1ErrorCode } from './errors.ts';
export { allTypeNames, codec, findType, type Asn1Type, type BitString, type DecodeOptions } from './types.ts';
export { ENCODED, RAW, rawBytes, verbatim } from './runtime.ts';
