package netrpcx

import (
	"context"
	"encoding"
	"encoding/gob"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/stdrpc/stdrpc"
)

// gob flattens pointers and leaves zero values out of structs, so some
// values Go tells apart arrive as others:
//
//   - a nil pointer, map or slice as the whole request or result: gob
//     cannot send a nil pointer at all, and sends a nil map as an empty one;
//   - a pointer to a zero value in a struct field (&"" or &0) arrives nil;
//   - an empty slice, in a struct field, as an element or as the whole
//     value, arrives nil;
//   - a nil element of a slice, array or map of pointers cannot be sent.
//
// netrpcx peers carry the difference beside the value, in the header: Nil
// says the body stands for nil, and Present lists the paths of the values
// gob left out that were there. A stock peer skips both and sees the value
// as gob delivers it, as before. What cannot be carried (a nil element, a
// pointer to a zero value inside a map's value) fails the call, naming the
// value, before anything is sent. An empty slice inside a map's value
// arrives nil: Go code treats the two alike.

// presence is what a message carries about its body beside it.
type presence struct {
	isNil   bool     // the body stands for a nil pointer or map
	present []string // paths of values gob leaves out that were not nil
}

// scanBody finds what gob would lose of body, a pointer to the value sent
// (args, or the reply of a call). what names the value in an error.
func scanBody(body any, method, what string) (presence, error) {
	var p presence
	root := reflect.ValueOf(body)
	switch root.Kind() {
	case reflect.Invalid:
		return p, nil
	case reflect.Pointer: // what gob sends is what it points to
		if root.IsNil() {
			p.isNil = true
			return p, nil
		}
		root = root.Elem()
	}
	switch root.Kind() {
	case reflect.Pointer, reflect.Map:
		if root.IsNil() {
			p.isNil = true
			return p, nil
		}
	case reflect.Slice:
		if root.Len() == 0 {
			if !root.IsNil() {
				p.present = []string{""}
			}
			return p, nil
		}
	}
	if root.Kind() == reflect.Pointer {
		root = root.Elem()
	}
	if !needsWalk(root.Type()) {
		return p, nil
	}
	w := walker{method: method, what: what}
	w.value(root, atRoot)
	return presence{present: w.present}, w.err
}

// Positions of a value, which decide what gob does with it.
const (
	atRoot  = iota
	inField // a struct's field: zero values are left out
	inElem  // an element of a slice, array or map: zero values are sent
)

type walker struct {
	method   string     // "Service.Method", for errors
	what     string     // "request" or "result"
	path     [16]string // the path to the value being walked: its steps
	more     []string   // the steps past the 16th
	depth    int
	mapDepth int // > 0 within a map's value, where no path can lead
	present  []string
	err      error
}

func (w *walker) record() {
	if w.mapDepth > 0 {
		return // an empty slice: Go code treats it as nil
	}
	w.present = append(w.present, strings.Join(w.steps(), "."))
}

func (w *walker) fail(why string) {
	if w.err == nil {
		w.err = stdrpc.Errorf(stdrpc.InvalidArgument, "%s: %s%s %s", w.method, w.what, w.name(), why)
	}
}

// name renders the path being walked as Go would write it: .Field, [i],
// [key].
func (w *walker) name() string {
	var b strings.Builder
	for _, s := range w.steps() {
		switch {
		case strings.HasPrefix(s, "["):
			b.WriteString(s)
		case s != "" && s[0] >= '0' && s[0] <= '9':
			b.WriteString("[" + s + "]")
		default:
			b.WriteString("." + s)
		}
	}
	return b.String()
}

// The path lives in an array of the walker's, so that walking a value
// allocates nothing until something is found.
func (w *walker) push(s string) {
	if w.depth < len(w.path) {
		w.path[w.depth] = s
	} else {
		w.more = append(w.more, s)
	}
	w.depth++
}

func (w *walker) pop() {
	w.depth--
	if w.depth >= len(w.path) {
		w.more = w.more[:w.depth-len(w.path)]
	}
}

func (w *walker) steps() []string {
	return append(w.path[:min(w.depth, len(w.path)):min(w.depth, len(w.path))], w.more...)
}

func (w *walker) value(v reflect.Value, pos int) {
	if w.err != nil {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			if pos == inElem {
				w.fail("is nil, and gob cannot send a nil element of a slice, array or map: leave it out, or use values rather than pointers")
			}
			return
		}
		e := v.Elem()
		if pos == inField && lostWhenZero(e) {
			if w.mapDepth > 0 {
				w.fail("points to a zero value, which gob leaves out inside a map's value, so it would arrive as nil")
				return
			}
			w.record()
			return
		}
		if infoOf(e.Type()).self {
			return
		}
		w.value(e, pos)
	case reflect.Slice:
		if v.Len() == 0 {
			if !v.IsNil() && pos != atRoot {
				w.record() // gob sends no elements, and the receiver makes none
			}
			return
		}
		fallthrough
	case reflect.Array:
		et := v.Type().Elem()
		if !needsWalk(et) && et.Kind() != reflect.Pointer && et.Kind() != reflect.Slice {
			return
		}
		for i := range v.Len() {
			w.push(strconv.Itoa(i))
			w.value(v.Index(i), inElem)
			w.pop()
		}
	case reflect.Map:
		et := v.Type().Elem()
		if !needsWalk(et) && et.Kind() != reflect.Pointer {
			return
		}
		w.mapDepth++
		it := v.MapRange()
		for it.Next() {
			w.push("[" + fmt.Sprint(it.Key().Interface()) + "]")
			w.value(it.Value(), inElem)
			w.pop()
		}
		w.mapDepth--
	case reflect.Struct:
		ti := infoOf(v.Type())
		if ti.self {
			return
		}
		for _, f := range ti.fields {
			w.push(f.name)
			w.value(v.Field(f.index), inField)
			w.pop()
		}
	}
}

// typeInfo is what a walk needs to know of a type, decided once: reflect's
// Implements and Field cost more per call than the rest of the walk.
type typeInfo struct {
	self   bool // gob sends it through its own method (selfEncoded)
	fields []fieldInfo
}

// fieldInfo is a struct field a walk visits (see structPlan).
type fieldInfo struct {
	index int
	name  string
}

var infos sync.Map // reflect.Type → *typeInfo

func infoOf(t reflect.Type) *typeInfo {
	if v, ok := infos.Load(t); ok {
		return v.(*typeInfo)
	}
	ti := &typeInfo{self: selfEncoded(t)}
	if t.Kind() == reflect.Struct && !ti.self {
		for _, i := range structPlan(t) {
			ti.fields = append(ti.fields, fieldInfo{index: i, name: t.Field(i).Name})
		}
	}
	infos.Store(t, ti)
	return ti
}

// lostWhenZero reports whether e, what a pointer in a struct field points
// to, is a value gob leaves out, so that the pointer arrives nil.
func lostWhenZero(e reflect.Value) bool {
	switch e.Kind() {
	case reflect.Struct, reflect.Array:
		return false // gob sends a struct or array even when it is zero
	case reflect.Slice:
		return e.Len() == 0
	case reflect.Interface:
		return false
	}
	return e.IsZero()
}

var (
	gobEncoder      = reflect.TypeFor[gob.GobEncoder]()
	binaryMarshaler = reflect.TypeFor[encoding.BinaryMarshaler]()
	textMarshaler   = reflect.TypeFor[encoding.TextMarshaler]()
)

// selfEncoded reports whether gob sends t through its own method, as one
// opaque value.
func selfEncoded(t reflect.Type) bool {
	for _, m := range [...]reflect.Type{gobEncoder, binaryMarshaler, textMarshaler} {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return true
		}
	}
	return false
}

// needsWalk reports whether a value of type t may hold something gob would
// lose (see above), so that it must be walked before it is sent. It is
// decided once per type.
func needsWalk(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return false // nothing to lose, and no cache to look in
	}
	if v, ok := walkNeeded.Load(t); ok {
		return v.(bool)
	}
	b := computeNeedsWalk(t, map[reflect.Type]bool{})
	walkNeeded.Store(t, b)
	return b
}

var walkNeeded sync.Map // reflect.Type → bool

func computeNeedsWalk(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false // being decided further up
	}
	seen[t] = true
	if selfEncoded(t) {
		return false
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice:
		return true
	case reflect.Array:
		k := t.Elem().Kind()
		return k == reflect.Pointer || k == reflect.Slice || computeNeedsWalk(t.Elem(), seen)
	case reflect.Map:
		return t.Elem().Kind() == reflect.Pointer || computeNeedsWalk(t.Elem(), seen)
	case reflect.Struct:
		return len(structPlan(t)) > 0
	}
	return false
}

// structPlan returns the indices of t's exported fields whose values may
// hold something gob would lose.
func structPlan(t reflect.Type) []int {
	if v, ok := plans.Load(t); ok {
		return v.([]int)
	}
	plans.Store(t, []int(nil)) // a recursive type finds itself while decided
	var idx []int
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		switch f.Type.Kind() {
		case reflect.Pointer, reflect.Slice:
			idx = append(idx, i)
			continue
		}
		if computeNeedsWalk(f.Type, map[reflect.Type]bool{t: true}) {
			idx = append(idx, i)
		}
	}
	plans.Store(t, idx)
	return idx
}

var plans sync.Map // reflect.Type → []int

// restore gives body, a value just decoded, back what gob left out: the
// paths in present, each a pointer to a new zero value or an empty slice.
// A path that does not lead anywhere in body (a peer with other types) is
// skipped.
func restore(body any, present []string) {
	v := reflect.ValueOf(body)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	for _, p := range present {
		restorePath(v.Elem(), p)
	}
}

func restorePath(v reflect.Value, path string) {
	rest := path
	for rest != "" {
		var step string
		step, rest, _ = strings.Cut(rest, ".")
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return
			}
			v = v.Elem()
		}
		switch v.Kind() {
		case reflect.Struct:
			f, ok := v.Type().FieldByName(step)
			if !ok || !f.IsExported() || len(f.Index) != 1 {
				return
			}
			v = v.Field(f.Index[0])
		case reflect.Slice, reflect.Array:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= v.Len() {
				return
			}
			v = v.Index(i)
		default:
			return
		}
	}
	if !v.CanSet() {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
	case reflect.Slice:
		if v.IsNil() {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		}
	}
}

// setNil makes body's value nil, for a message whose header says it
// stands for nil.
func setNil(body any) {
	v := reflect.ValueOf(body)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return
	}
	switch e := v.Elem(); e.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice:
		e.SetZero()
	}
}

// outgoing checks a request before it is sent: what gob would lose of it,
// and a nil pointer, sent as its zero value (gob cannot send nil) with the
// header saying so.
func outgoing(method string, args any) (presence, any, error) {
	pres, err := scanBody(args, method, "request")
	if err != nil {
		return pres, args, err
	}
	if pres.isNil {
		if t := reflect.TypeOf(args); t != nil && t.Kind() == reflect.Pointer {
			args = reflect.New(t.Elem()).Interface()
		}
	}
	return pres, args, nil
}

// received applies what a header says gob lost of body, just decoded.
func received(body any, isNil bool, present []string) {
	if isNil {
		setNil(body)
		return
	}
	restore(body, present)
}

// A holdWriter passes an encoder's writes on, or keeps them while holding,
// so that a response whose body fails to encode can be taken back: the
// header already encoded is dropped, the type definitions gob wrote are
// kept (the encoder counts them as sent), and an error goes in its place.
// The connection stays usable, where a header without its body would
// leave it broken. gob writes each message with one Write.
type holdWriter struct {
	w       io.Writer
	buf     []byte
	holding bool
	last    [2]int // where the last held message begins and ends
}

func (h *holdWriter) Write(p []byte) (int, error) {
	if !h.holding {
		return h.w.Write(p)
	}
	h.last = [2]int{len(h.buf), len(h.buf) + len(p)}
	h.buf = append(h.buf, p...)
	return len(p), nil
}

func (h *holdWriter) hold() { h.holding = true }

// mark returns where the last message held begins and ends.
func (h *holdWriter) mark() [2]int { return h.last }

// drop takes back the message between m[0] and m[1].
func (h *holdWriter) drop(m [2]int) { h.buf = append(h.buf[:m[0]], h.buf[m[1]:]...) }

// release writes what is held and stops holding.
func (h *holdWriter) release() error {
	h.holding = false
	var err error
	if len(h.buf) > 0 {
		_, err = h.w.Write(h.buf)
	}
	if cap(h.buf) > keepBuffer {
		h.buf = nil
	} else {
		h.buf = h.buf[:0]
	}
	return err
}

// encodeBody encodes body after the response header held in c.hw, and
// writes both. If body cannot be encoded (or its marshaler panics), the
// header is taken back and an internal error answers the call instead.
// The error returned is the connection's.
func (c *serverCodec) encodeBody(st *callState, method, text string, body any) error {
	hdr := c.hw.mark()
	start := c.out.n
	err := c.bx.write(c.enc, &c.out, body)
	if err == nil {
		c.sent(st, method, text, body, int64(c.out.n-start))
		return c.hw.release()
	}
	c.hw.drop(hdr)
	if err := c.hw.release(); err != nil {
		return err
	}
	e := stdrpc.Errorf(stdrpc.Internal, "netrpcx: %s: the server cannot send the result: %v", method, err)
	c.opts.log().LogAttrs(context.Background(), slog.LevelError, "stdrpc: cannot send a result",
		slog.String("method", method), slog.String("error", err.Error()))
	if st != nil {
		st.code = stdrpc.Internal
	}
	c.resp = responseHeader{ServiceMethod: c.resp.ServiceMethod, Seq: c.resp.Seq, Error: e.Error(), Code: stdrpc.Internal.String()}
	if err := c.enc.Encode(&c.resp); err != nil {
		return err
	}
	start = c.out.n
	if err := c.enc.Encode(invalidRequest); err != nil {
		return err
	}
	c.sent(st, method, e.Error(), invalidRequest, int64(c.out.n-start))
	return nil
}

// sent records the response of a call, whose body took n bytes, before it
// leaves (a large body goes straight to the connection): a caller who has
// the response finds the call counted, and the memory budget knows the
// size of the method's replies before the caller can ask for more.
func (c *serverCodec) sent(st *callState, method, text string, body any, n int64) {
	if _, isBatch := body.(batch); c.budget != nil && text == "" && !isBatch {
		c.budget.learnReply(method, n)
	}
	if st != nil && st.obs.Observing() {
		st.obs.ResponseBytes(n)
		st.obs.End(sentCode(st, text))
	}
}

// encodeValue encodes v, turning a panic of a marshaler into an error.
func encodeValue(enc *gob.Encoder, v any) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("encoding panicked: %v", p)
		}
	}()
	return enc.Encode(v)
}

// checkResult finds what gob would lose of a successful call's result and
// puts it in the response header, or, for what gob cannot carry, turns the
// response into an internal error naming the value and returns the body
// to send instead.
func (c *serverCodec) checkResult(method string, body any) any {
	pres, err := scanBody(body, method, "result")
	if err != nil {
		msg := err.Error()
		if e, ok := err.(*stdrpc.Error); ok {
			msg = e.Message()
		}
		e := stdrpc.Errorf(stdrpc.Internal, "%s", msg)
		c.resp.Error, c.resp.Code = e.Error(), stdrpc.Internal.String()
		return invalidRequest
	}
	c.resp.Nil, c.resp.Present = pres.isNil, pres.present
	if pres.isNil {
		// A nil pointer is sent as a pointer to its zero value, which is
		// what a stock peer received before; a nil map gob sends as it is.
		if root := reflect.ValueOf(body).Elem(); root.Kind() == reflect.Pointer {
			return reflect.New(root.Type().Elem()).Interface()
		}
	}
	return body
}
