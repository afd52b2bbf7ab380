// Package jsonwire writes and reads JSON exactly as encoding/json does, for
// the codecs stdrpc generates: an Encoder appends the bytes json.Marshal
// would write, and a Decoder reads a document into Go values as
// json.Unmarshal would, without reflection.
//
// The Decoder is strict where it cannot be sure: anything it does not
// handle exactly as encoding/json (a type error, a value it is not made
// for, a target already holding data) makes it fail, and its caller
// decodes the document again with encoding/json, which gives the answer
// and the error message. So a Decoder that succeeds has produced what
// json.Unmarshal produces, and one that fails costs only time.
package jsonwire
