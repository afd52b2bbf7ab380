package stdhttp

import (
	"encoding"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/stdrpc/stdrpc"
)

// A Param binds one path wildcard or query parameter to a destination; make
// one with Path or Query.
type Param struct {
	name  string
	query bool
	dst   any
}

// Path binds the route's wildcard name (r.PathValue(name)) to dst.
//
// dst points to a string, bool, integer or float (or a named type of one),
// or implements encoding.TextUnmarshaler.
func Path(name string, dst any) Param { return Param{name: name, dst: dst} }

// Query binds the query parameter name to dst, which is what Path takes or a
// slice of it: ?tag=a&tag=b fills a []string with both, a scalar takes the
// first value. An absent parameter leaves dst as it is.
func Query(name string, dst any) Param { return Param{name: name, query: true, dst: dst} }

// Bind fills a request from r: when body is not nil it decodes the JSON body
// into body (see Handle for the rules), then binds each param. A value that
// does not parse is an invalid_argument error naming the parameter and the
// value, and so is a query string that does not parse, which would
// otherwise leave a parameter silently absent:
//
//	path parameter a: "seven" is not a valid int
//	query parameter name: "%zz" is not validly escaped (%XX with two hex digits); ...
//
// Called from a Service's route, the body is bounded by the service's limit;
// elsewhere, wrap r.Body in http.MaxBytesReader first.
func Bind(r *http.Request, body any, params ...Param) error {
	if body != nil {
		if err := readJSON(r, body); err != nil {
			return err
		}
	}
	var query url.Values
	for _, p := range params {
		var err error
		if !p.query {
			err = setValue(p.dst, r.PathValue(p.name))
		} else {
			if r.URL.RawQuery == "" {
				continue
			}
			if query == nil {
				if query, err = parseQuery(r.URL.RawQuery); err != nil {
					return err
				}
			}
			vs := query[p.name]
			if len(vs) == 0 {
				continue
			}
			err = setValues(p.dst, vs)
		}
		if err != nil {
			return paramError(p, err)
		}
	}
	return nil
}

// maxQueryParams bounds the parameters of a query string, as net/url does.
const maxQueryParams = 10000

// parseQuery parses a query string as url.ParseQuery does, but fails on
// what that skips in silence, naming it: a parameter that is not validly
// escaped, and a semicolon, which url.ParseQuery no longer takes as a
// separator. Either would leave a parameter absent, and so zero.
func parseQuery(raw string) (url.Values, error) {
	if n := strings.Count(raw, "&") + 1; n > maxQueryParams {
		return nil, stdrpc.Errorf(stdrpc.InvalidArgument,
			"the query string has %d parameters, more than the %d allowed", n, maxQueryParams)
	}
	q := make(url.Values)
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		if strings.Contains(pair, ";") {
			return nil, stdrpc.Errorf(stdrpc.InvalidArgument,
				"query %q: a semicolon does not separate parameters; use & (or %%3B for a semicolon in a value)", truncate(pair))
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(rawKey)
		if err != nil {
			return nil, stdrpc.Errorf(stdrpc.InvalidArgument,
				"query parameter %q: the name is not validly escaped (%%XX with two hex digits); encode it with URL encoding", truncate(rawKey))
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return nil, stdrpc.NewError(stdrpc.InvalidArgument, errors.New("query parameter "+truncate(key)+": "+
				strconv.Quote(truncate(rawValue))+" is not validly escaped (%XX with two hex digits); encode the value with URL encoding"))
		}
		q[key] = append(q[key], value)
	}
	return q, nil
}

// parseError is a value that did not parse as its destination type.
type parseError struct {
	value string
	typ   string
	err   error
}

func (e *parseError) Error() string {
	if errors.Is(e.err, strconv.ErrRange) {
		return strconv.Quote(truncate(e.value)) + " is out of range for " + e.typ
	}
	msg := strconv.Quote(truncate(e.value)) + " is not a valid " + e.typ
	if _, ok := e.err.(*strconv.NumError); !ok && e.err != nil {
		msg += ": " + e.err.Error() // a TextUnmarshaler's reason is worth passing on
	}
	return msg
}

// bindError is a destination Bind cannot fill: a bug in the caller (or in
// the generator), not in the request.
type bindError struct{ typ reflect.Type }

func (e *bindError) Error() string {
	return fmt.Sprintf("cannot bind into %v: want a pointer to a string, bool, number or encoding.TextUnmarshaler (or, for Query, a slice of them)", e.typ)
}

func paramError(p Param, err error) error {
	where := "path parameter "
	if p.query {
		where = "query parameter "
	}
	var be *bindError
	if errors.As(err, &be) {
		return stdrpc.Errorf(stdrpc.Internal, "%s%s: %v", where, p.name, err)
	}
	return stdrpc.NewError(stdrpc.InvalidArgument, errors.New(where+p.name+": "+err.Error()))
}

// setValue parses s into dst. The type switch covers what generated code
// passes without reflection; named types fall through to reflect.
func setValue(dst any, s string) error {
	switch d := dst.(type) {
	case *string:
		*d = s
		return nil
	case *int:
		return setInt(d, s, strconv.IntSize, "int")
	case *int64:
		return setInt(d, s, 64, "int64")
	case *int32:
		return setInt(d, s, 32, "int32")
	case *int16:
		return setInt(d, s, 16, "int16")
	case *int8:
		return setInt(d, s, 8, "int8")
	case *uint:
		return setUint(d, s, strconv.IntSize, "uint")
	case *uint64:
		return setUint(d, s, 64, "uint64")
	case *uint32:
		return setUint(d, s, 32, "uint32")
	case *uint16:
		return setUint(d, s, 16, "uint16")
	case *uint8:
		return setUint(d, s, 8, "uint8")
	case *float64:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return &parseError{s, "float64", err}
		}
		*d = v
		return nil
	case *float32:
		v, err := strconv.ParseFloat(s, 32)
		if err != nil {
			return &parseError{s, "float32", err}
		}
		*d = float32(v)
		return nil
	case *bool:
		v, err := strconv.ParseBool(s)
		if err != nil {
			return &parseError{s, "bool", err}
		}
		*d = v
		return nil
	case encoding.TextUnmarshaler:
		if err := d.UnmarshalText([]byte(s)); err != nil {
			return &parseError{s, reflect.TypeOf(dst).Elem().String(), err}
		}
		return nil
	}
	return setReflect(reflect.ValueOf(dst), s)
}

func setInt[T int | int8 | int16 | int32 | int64](d *T, s string, bits int, typ string) error {
	v, err := strconv.ParseInt(s, 10, bits)
	if err != nil {
		return &parseError{s, typ, err}
	}
	*d = T(v)
	return nil
}

func setUint[T uint | uint8 | uint16 | uint32 | uint64](d *T, s string, bits int, typ string) error {
	v, err := strconv.ParseUint(s, 10, bits)
	if err != nil {
		return &parseError{s, typ, err}
	}
	*d = T(v)
	return nil
}

// setReflect fills a pointer to a named scalar type.
func setReflect(p reflect.Value, s string) error {
	if p.Kind() != reflect.Pointer || p.IsNil() {
		return &bindError{p.Type()}
	}
	v := p.Elem()
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return &parseError{s, v.Type().String(), err}
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return &parseError{s, v.Type().String(), err}
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n, err := strconv.ParseUint(s, 10, v.Type().Bits())
		if err != nil {
			return &parseError{s, v.Type().String(), err}
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return &parseError{s, v.Type().String(), err}
		}
		v.SetFloat(f)
	default:
		return &bindError{p.Type()}
	}
	return nil
}

// setValues fills dst from a query parameter's values: all of them for a
// slice, the first for anything else.
func setValues(dst any, vs []string) error {
	switch d := dst.(type) {
	case *[]string:
		*d = vs // parsed for this call alone
		return nil
	case *[]int:
		out := make([]int, len(vs))
		for i, s := range vs {
			if err := setInt(&out[i], s, strconv.IntSize, "int"); err != nil {
				return err
			}
		}
		*d = out
		return nil
	case encoding.TextUnmarshaler:
		return setValue(dst, vs[0])
	}
	p := reflect.ValueOf(dst)
	if p.Kind() != reflect.Pointer || p.IsNil() || p.Elem().Kind() != reflect.Slice {
		return setValue(dst, vs[0])
	}
	out := reflect.MakeSlice(p.Elem().Type(), len(vs), len(vs))
	for i, s := range vs {
		if err := setValue(out.Index(i).Addr().Interface(), s); err != nil {
			return err
		}
	}
	p.Elem().Set(out)
	return nil
}
