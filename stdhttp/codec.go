package stdhttp

import (
	"encoding/json"
	"reflect"
	"strconv"
	"sync"

	"github.com/stdrpc/stdrpc/internal/jsonwire"
)

// JSONEncoder is what a generated EncodeJSON method writes a value's JSON
// to: its methods write one value each, byte for byte as encoding/json.
type JSONEncoder = jsonwire.Encoder

// JSONDecoder is what a generated DecodeJSON method reads a value's JSON
// from, accepting what encoding/json accepts. When it cannot decode a
// document exactly as encoding/json would (the document is not valid, or
// does not fit the type), the runtime decodes the document again with
// encoding/json, whose value and error are the answer.
type JSONDecoder = jsonwire.Decoder

// The methods stdrpc generates for the wire shapes of a package (the
// envelopes, and the package's structs that travel as themselves). A
// request or response whose pointer has them is encoded and decoded
// without reflection; any other goes through encoding/json.
type (
	jsonEncoding interface{ EncodeJSON(*JSONEncoder) }
	jsonDecoding interface{ DecodeJSON(*JSONDecoder) }
)

// A codecState is a pooled encoder or decoder with its buffer.
type codecState struct {
	enc jsonwire.Encoder
	dec jsonwire.Decoder
	buf []byte
}

// codecStates recycles encoders and decoders; like buffers, it holds no
// state a caller can see.
var codecStates = sync.Pool{New: func() any { return new(codecState) }}

// appendJSON appends v's JSON to b, as json.Marshal writes it, when v has
// a generated codec or is a pointer to a basic type; ok is false when v
// is left to encoding/json.
func appendJSON(b []byte, v any) (_ []byte, ok bool, err error) {
	switch v := v.(type) {
	case jsonEncoding:
		st := codecStates.Get().(*codecState)
		st.enc.Reset(b)
		v.EncodeJSON(&st.enc)
		b, err = st.enc.Bytes(), st.enc.Err()
		st.enc.Reset(nil)
		codecStates.Put(st)
		return b, true, err
	case *int:
		return strconv.AppendInt(b, int64(*v), 10), true, nil
	case *int64:
		return strconv.AppendInt(b, *v, 10), true, nil
	case *string:
		return jsonwire.AppendString(b, *v), true, nil
	case *bool:
		return strconv.AppendBool(b, *v), true, nil
	case *struct{}:
		return append(b, "{}"...), true, nil
	}
	return b, false, nil
}

// marshalJSON returns v's JSON in a slice of its own, as json.Marshal.
func marshalJSON(v any) ([]byte, error) {
	st := codecStates.Get().(*codecState)
	defer putCodecState(st)
	b, ok, err := appendJSON(st.buf[:0], v)
	if !ok {
		return json.Marshal(v)
	}
	st.buf = b
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), b...), nil
}

// unmarshalJSON decodes data into v as json.Unmarshal does, with v's
// generated codec when it has one. A document the codec does not take
// whole is decoded again, from the zero value, by encoding/json, so that
// what v holds and the error are encoding/json's; v is expected to be
// zero to begin with, as the runtime's requests and responses are.
func unmarshalJSON(data []byte, v any) error {
	switch v.(type) {
	case jsonDecoding, *int, *int64, *string, *bool, *struct{}:
	default:
		return json.Unmarshal(data, v)
	}
	st := codecStates.Get().(*codecState)
	d := &st.dec
	d.Reset(data)
	switch v := v.(type) {
	case jsonDecoding:
		v.DecodeJSON(d)
	case *int:
		if n, ok := d.Int(0); ok {
			*v = int(n)
		}
	case *int64:
		if n, ok := d.Int(64); ok {
			*v = n
		}
	case *string:
		if s, ok := d.String(); ok {
			*v = s
		}
	case *bool:
		if b, ok := d.Bool(); ok {
			*v = b
		}
	case *struct{}:
		for more := d.Object(); more; more = d.NextMember() {
			d.Key()
			d.Skip()
		}
	}
	err := d.End()
	d.Reset(nil)
	putCodecState(st)
	if err == nil {
		return nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv.Elem().SetZero() // the codec may have filled part of it
	}
	return json.Unmarshal(data, v)
}

func putCodecState(st *codecState) {
	if cap(st.buf) > maxPooled {
		st.buf = nil
	}
	codecStates.Put(st)
}
