package netrpcx

import (
	"errors"
	"fmt"
	"math"
)

// A gobCheck validates the gob messages of one connection before
// encoding/gob decodes them, so that no message makes gob allocate more
// than the message's own size justifies.
//
// gob guards slices and strings (it compares their lengths with the bytes
// left, or allocates as elements arrive), but it makes a map as large as the
// count the peer sends before reading a single entry: a message of a few
// bytes that claims 2^34 entries kills the process with an out-of-memory
// error no recover can catch. gobCheck walks each message the way gob's
// decoder does, following the type definitions the peer sent earlier on the
// stream, and rejects a map whose count exceeds what the bytes left could
// hold: every key and every element takes at least one byte.
//
// Only values that can hold a map, an interface or a recursive type are
// walked: a value of any other type gob bounds by itself (see plain), and
// such values, the messages of most calls, cost only reading their type id.
//
// It only counts: it allocates nothing for values, and for type definitions
// only a small record per type (with a struct's field names, which let
// headerReader read headers without gob). Whatever it cannot follow exactly
// as gob would, it rejects. The streams encoding/gob's Encoder writes always pass;
// it rejects, beyond hostile maps, only what gob would fail on too or never
// writes: ambiguous type definitions, missing struct terminators, bytes
// after a value, nesting deeper than maxGobDepth, more than maxGobTypes type
// definitions, and an interface value whose length does not match its
// contents. And two things the Encoder does write, but which gob misreads
// when it discards them (as it does a field the receiver lacks), so that
// what it reads could not be checked: a nil interface value (an element of
// a slice, array or map of interfaces), and an interface value within an
// interface value, of a type the connection has not carried yet.
//
// The wire format (see encoding/gob's package doc): a message starts with a
// type id. A negative id -n defines type n with the wireType struct that
// follows; a positive id is followed by a value of that type. Struct values
// are their fields as (field number delta, value) pairs ended by a zero
// delta; any other value is sent as the lone field 0 of a struct, that is
// after a zero byte. Numbers and booleans are unsigned integers (one byte
// below 128, otherwise the negated byte count then big-endian bytes),
// strings, byte slices and marshaled values are a length and bytes, arrays,
// slices and maps a count and their elements (maps: key, element), and an
// interface value is the concrete type's registered name, its type id
// (possibly after definitions of the types it needs), the value's length
// and the value.
type gobCheck struct {
	types map[int32]*gobType // the peer's type definitions, by id
	w     gobWalker          // reused for each message: no allocation per call

	// plainIDs has bit id-gobFirstUserID set for the ids of plain types
	// (see gobWalker.plain) below maxPlainID: what most messages need to
	// know, looked up before any walking.
	plainIDs []uint64

	typeBytes int // the bytes of the peer's type definitions so far
}

// maxPlainID bounds the ids plainIDs holds, and so its size (1 KiB): the
// Encoder numbers types from gobFirstUserID up, in the order its process
// first meets them.
const maxPlainID = gobFirstUserID + 8192

// basicPlain has bit id set for the predefined types that are plain: all
// but the interface.
const basicPlain = 1<<gobBool | 1<<gobInt | 1<<gobUint | 1<<gobFloat | 1<<gobBytes | 1<<gobString | 1<<gobComplex

// Limits for what no legitimate stream needs, each guarding the process
// from something gob does not bound: the decoder's recursion (on its stack,
// whose overflow is fatal) and its table of type definitions.
const (
	maxGobDepth     = 10000
	maxGobTypes     = 10000
	maxGobTypeBytes = 256 << 10
)

// gob's predefined type ids; user types start at 64.
const (
	gobBool = iota + 1
	gobInt
	gobUint
	gobFloat
	gobBytes
	gobString
	gobComplex
	gobInterface
	gobFirstUserID = 64
)

type gobKind uint8

const (
	kindUint      gobKind = iota // bool, int, uint, float: one unsigned integer
	kindComplex                  // two unsigned integers
	kindBytes                    // a length and bytes: bytes, string, marshalers
	kindInterface                // a name, a type id, a length and a value
	kindArray
	kindSlice
	kindMap
	kindStruct
)

// A gobType is what gobCheck knows of a type: how to walk its values. The
// ids it refers to are resolved when a value first needs them, as a
// definition may refer to types defined after it.
type gobType struct {
	kind      gobKind
	len       int64    // of an array
	key, elem int32    // of an array, slice or map
	fields    []int32  // of a struct, by field number
	names     []string // of a struct's fields, by field number (see headerReader)
	keyT      *gobType
	elemT     *gobType
	fieldT    []*gobType
	plain     plainness // see gobWalker.plain
	marshal   uint8     // of kindBytes: 4 GobEncoder, 5 BinaryMarshaler, 6 TextMarshaler (see bodyReader)
}

type plainness uint8

const (
	plainUnknown plainness = iota
	plainVisiting
	plainYes
	plainNo
)

// The predefined types, shared and never modified (they refer to nothing).
var gobBasic = [...]*gobType{
	gobBool:      {kind: kindUint},
	gobInt:       {kind: kindUint},
	gobUint:      {kind: kindUint},
	gobFloat:     {kind: kindUint},
	gobBytes:     {kind: kindBytes},
	gobString:    {kind: kindBytes},
	gobComplex:   {kind: kindComplex},
	gobInterface: {kind: kindInterface},
}

// errBadGob is what a gobCheck fails with; it is wrapped with what is wrong.
var errBadGob = errors.New("netrpcx: refused a malformed or hostile gob message; closing the connection")

// newGobCheck returns a gobCheck for messages of at most limit bytes. join
// appends the next message of the stream to the one being checked, after
// its count, and returns the joined message; see iface.
func newGobCheck(limit uint64, join func() ([]byte, error)) *gobCheck {
	c := &gobCheck{types: make(map[int32]*gobType)}
	c.w = gobWalker{c: c, limit: limit, join: join}
	return c
}

// message checks one message (without its count). It may grow the message
// with join; the error says what is wrong with it, or why join failed.
func (c *gobCheck) message(msg []byte) error {
	if id, ok := valueID(msg); ok && c.isPlainID(id) {
		return nil
	}
	if isDefinition(msg) {
		// gob keeps every definition, and compiles it, for the life of
		// the connection: bound their bytes as well as their number.
		if c.typeBytes += len(msg); c.typeBytes > maxGobTypeBytes {
			return c.w.fail("type definitions of more than %d bytes", maxGobTypeBytes)
		}
	}
	w := &c.w
	w.b, w.p, w.depth = msg, 0, 0
	err := w.message()
	w.b = nil
	return err
}

// isDefinition reports whether msg defines a type: its first integer, a
// type id, is negative (gob encodes a signed integer's sign in the low bit).
func isDefinition(msg []byte) bool {
	switch {
	case len(msg) == 0:
		return false
	case msg[0] < 0x80:
		return msg[0]&1 == 1
	}
	n := -int(int8(msg[0]))
	return n >= 1 && n < len(msg) && msg[n]&1 == 1
}

// valueID returns the type id of a message holding a value, if its id is
// below 2^14; it does not know a definition or a longer id.
func valueID(msg []byte) (int32, bool) {
	var u int
	switch {
	case len(msg) == 0:
		return 0, false
	case msg[0] < 0x80:
		u = int(msg[0])
	case msg[0] == 0xFF && len(msg) > 1: // one byte follows
		u = int(msg[1])
	case msg[0] == 0xFE && len(msg) > 2: // two bytes follow
		u = int(msg[1])<<8 | int(msg[2])
	default:
		return 0, false
	}
	return int32(u >> 1), u&1 == 0 // an odd u is a negative id: a definition
}

func (c *gobCheck) isPlainID(id int32) bool {
	if id < gobFirstUserID {
		return basicPlain>>id&1 != 0
	}
	i := uint(id - gobFirstUserID)
	return int(i/64) < len(c.plainIDs) && c.plainIDs[i/64]>>(i%64)&1 != 0
}

func (c *gobCheck) markPlain(id int32) {
	if id < gobFirstUserID || id >= maxPlainID {
		return
	}
	i := uint(id - gobFirstUserID)
	for int(i/64) >= len(c.plainIDs) {
		c.plainIDs = append(c.plainIDs, 0)
	}
	c.plainIDs[i/64] |= 1 << (i % 64)
}

// gobWalker walks the message in b from p.
type gobWalker struct {
	c     *gobCheck
	b     []byte
	p     int
	depth int
	limit uint64
	join  func() ([]byte, error)
}

func (w *gobWalker) fail(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errBadGob}, args...)...)
}

func (w *gobWalker) left() int { return len(w.b) - w.p }

// room returns how many bytes may still hold the rest of the value: those
// left in the message and those joining could add up to the limit. The walk
// checks that they are really there; this bound makes a hostile count fail
// before it.
func (w *gobWalker) room() uint64 {
	r := uint64(w.left())
	if n := uint64(len(w.b)); n < w.limit {
		r += w.limit - n
	}
	return r
}

func (w *gobWalker) uint() (uint64, error) {
	if w.p >= len(w.b) {
		return 0, w.fail("the message ends inside a value")
	}
	c := w.b[w.p]
	w.p++
	if c < 0x80 {
		return uint64(c), nil
	}
	n := -int(int8(c))
	if n > 8 {
		return 0, w.fail("corrupt unsigned integer")
	}
	if w.left() < n {
		return 0, w.fail("the message ends inside an unsigned integer")
	}
	var x uint64
	for _, b := range w.b[w.p : w.p+n] {
		x = x<<8 | uint64(b)
	}
	w.p += n
	return x, nil
}

func (w *gobWalker) int() (int64, error) {
	x, err := w.uint()
	if x&1 != 0 {
		return ^int64(x >> 1), err
	}
	return int64(x >> 1), err
}

// skip reads a length and skips that many bytes.
func (w *gobWalker) skip() error {
	n, err := w.uint()
	if err != nil {
		return err
	}
	if n > uint64(w.left()) {
		return w.fail("length %d exceeds the %d bytes left", n, w.left())
	}
	w.p += int(n)
	return nil
}

// message walks a top-level message: a type definition or a value, with
// nothing after it.
func (w *gobWalker) message() error {
	id, err := w.typeID()
	if err != nil {
		return err
	}
	if id < 0 {
		err = w.define(-id)
	} else {
		var t *gobType
		if t, err = w.lookup(id); err == nil {
			if w.plain(t) {
				w.c.markPlain(id)
				return nil // left to gob, which bounds it
			}
			err = w.valueOf(t)
		}
	}
	if err == nil && w.left() != 0 {
		err = w.fail("%d bytes after the end of the message's content", w.left())
	}
	return err
}

// typeID reads a type id, which gob truncates to 32 bits.
func (w *gobWalker) typeID() (int32, error) {
	id, err := w.int()
	return int32(id), err
}

func (w *gobWalker) lookup(id int32) (*gobType, error) {
	if t := w.find(id); t != nil {
		return t, nil
	}
	return nil, w.fail("value of undefined type id %d", id)
}

// find returns the type of id, or nil if it is not defined.
func (w *gobWalker) find(id int32) *gobType {
	if id > 0 && int(id) < len(gobBasic) {
		return gobBasic[id]
	}
	if id >= gobFirstUserID {
		return w.c.types[id]
	}
	return nil
}

// plain reports whether t can hold no map, no interface and no recursion.
// gob bounds everything in a value of such a type by the message's own
// size: it compares the lengths of strings and slices with the bytes left,
// makes slices only as their elements arrive, and nests the value no deeper
// than the chain of type definitions, itself bounded by maxGobTypes. A walk
// would refuse nothing gob does not fail on safely, so a top-level value of
// a plain type is left to gob unwalked: the messages of most calls.
func (w *gobWalker) plain(t *gobType) bool {
	plain, _ := w.isPlain(t)
	return plain
}

// isPlain is plain, and reports whether the answer is final: a type that
// refers to one not defined yet is not plain until it is. It records final
// answers in the types.
func (w *gobWalker) isPlain(t *gobType) (plain, final bool) {
	switch t.kind {
	case kindUint, kindComplex, kindBytes:
		return true, true
	case kindInterface, kindMap:
		return false, true
	}
	// An array, slice or struct: never one of the shared gobBasic types.
	switch t.plain {
	case plainYes:
		return true, true
	case plainNo, plainVisiting: // visiting: t refers to itself
		return false, true
	}
	t.plain = plainVisiting
	plain, final = true, true
	refer := func(p **gobType, id int32) {
		if *p == nil {
			*p = w.find(id)
		}
		if *p == nil {
			plain, final = false, false
			return
		}
		p2, f2 := w.isPlain(*p)
		plain, final = plain && p2, final && f2
	}
	if t.kind == kindStruct {
		for i := 0; plain && i < len(t.fields); i++ {
			refer(&t.fieldT[i], t.fields[i])
		}
	} else {
		refer(&t.elemT, t.elem)
	}
	switch {
	case plain:
		t.plain = plainYes
	case final:
		t.plain = plainNo
	default:
		t.plain = plainUnknown
	}
	return plain, final
}

// value walks a value of type id as gob's Decoder.decodeValue reads it: a
// struct as is, anything else as the lone field of a struct.
func (w *gobWalker) value(id int32) error {
	t, err := w.lookup(id)
	if err != nil {
		return err
	}
	return w.valueOf(t)
}

func (w *gobWalker) valueOf(t *gobType) error {
	if t.kind == kindStruct {
		return w.walk(t)
	}
	if d, err := w.uint(); err != nil || d != 0 {
		if err == nil {
			err = w.fail("non-zero field delta %d before a value that is not a struct", d)
		}
		return err
	}
	return w.walk(t)
}

// resolve returns the type that *p caches for id, resolving it once.
func (w *gobWalker) resolve(p **gobType, id int32) (*gobType, error) {
	if *p != nil {
		return *p, nil
	}
	t, err := w.lookup(id)
	*p = t
	return t, err
}

// walk walks a value of type t.
func (w *gobWalker) walk(t *gobType) error {
	switch t.kind {
	case kindUint:
		_, err := w.uint()
		return err
	case kindComplex:
		if _, err := w.uint(); err != nil {
			return err
		}
		_, err := w.uint()
		return err
	case kindBytes:
		return w.skip()
	}

	if w.depth++; w.depth > maxGobDepth {
		return w.fail("values nested more than %d deep", maxGobDepth)
	}
	var err error
	switch t.kind {
	case kindInterface:
		err = w.iface()
	case kindArray, kindSlice:
		err = w.list(t)
	case kindMap:
		err = w.mapValue(t)
	case kindStruct:
		err = w.structValue(t)
	}
	w.depth--
	return err
}

func (w *gobWalker) list(t *gobType) error {
	n, err := w.uint()
	if err != nil {
		return err
	}
	if t.kind == kindArray && n != uint64(t.len) {
		return w.fail("array of %d elements sent with a count of %d", t.len, n)
	}
	// Every element takes at least one byte.
	if n > w.room() {
		return w.fail("%d elements in a message with %d bytes left", n, w.left())
	}
	elem, err := w.resolve(&t.elemT, t.elem)
	if err != nil {
		return err
	}
	for range n {
		if err := w.walk(elem); err != nil {
			return err
		}
	}
	return nil
}

// mapValue walks a map. This is the check gob lacks: it makes the map with
// the count it reads before reading any entry.
func (w *gobWalker) mapValue(t *gobType) error {
	n, err := w.uint()
	if err != nil {
		return err
	}
	// Every key and every element takes at least one byte.
	if n > w.room()/2 {
		return w.fail("map of %d entries in a message with %d bytes left", n, w.left())
	}
	key, err := w.resolve(&t.keyT, t.key)
	if err != nil {
		return err
	}
	elem, err := w.resolve(&t.elemT, t.elem)
	if err != nil {
		return err
	}
	for range n {
		if err := w.walk(key); err != nil {
			return err
		}
		if err := w.walk(elem); err != nil {
			return err
		}
	}
	return nil
}

// structValue walks a struct: (field delta, value) pairs up to a zero delta.
// gob also ends a struct at the end of the message, but its encoder always
// writes the zero, and requiring it makes every value take a byte at least.
func (w *gobWalker) structValue(t *gobType) error {
	field := -1
	for {
		d, err := w.uint()
		if err != nil {
			return err
		}
		if d == 0 {
			return nil
		}
		if d > uint64(len(t.fields)-1-field) {
			return w.fail("field number out of range for a struct of %d fields", len(t.fields))
		}
		field += int(d)
		ft, err := w.resolve(&t.fieldT[field], t.fields[field])
		if err != nil {
			return err
		}
		if err := w.walkField(ft); err != nil {
			return err
		}
	}
}

// walkField walks the value of a struct's field. A slice, array or map
// held in a field is the struct's own level of nesting, as the user writes
// it: a tree whose node holds a slice of nodes nests one level per node.
// Their elements are walked as usual, and structs and interfaces always
// count, so the walk's recursion stays bounded.
func (w *gobWalker) walkField(t *gobType) error {
	switch t.kind {
	case kindArray, kindSlice:
		return w.list(t)
	case kindMap:
		return w.mapValue(t)
	}
	return w.walk(t)
}

// iface walks an interface value, as gob's Decoder.decodeInterface and
// ignoreInterface read it: the concrete type's name, its type id after the
// definitions of the types it needs, the value's length and the value.
//
// gob reads the definitions with decodeTypeSequence: after each one it skips
// the length of the next if the message goes on, or else reads the next
// message. The Encoder writes them inline, each after its length, within a
// nested interface value, but as messages of their own at the top: there the
// message ends after the first definition, the others follow as messages,
// and the message of the type id holds the rest of the value. The walk joins
// such messages into one, each after its length, which gob reads exactly as
// the messages, but which it cannot stop reading halfway: were gob to fail
// on the first message, it would read the next ones as values of their own,
// which they were not checked as.
func (w *gobWalker) iface() error {
	n, err := w.uint()
	if err != nil {
		return err
	}
	if n == 0 {
		// A nil interface value is its empty name, but gob's
		// ignoreInterface reads a type id and a value after it all the
		// same, and so reads the bytes that follow as what they are not.
		// The Encoder sends nil only as an element of a slice, array or
		// map of interfaces.
		return w.fail("nil interface value, which encoding/gob cannot skip (send no nil elements in slices, arrays or maps of interfaces)")
	}
	if n > 1024 || n > uint64(w.left()) {
		return w.fail("interface type name of %d bytes", n)
	}
	w.p += int(n)

	id, err := w.typeID()
	for err == nil && id < 0 {
		if err = w.define(-id); err != nil {
			break
		}
		if w.left() == 0 {
			if err = w.next(); err != nil {
				break
			}
		}
		if _, err = w.uint(); err == nil { // the length of what follows
			id, err = w.typeID()
		}
	}
	if err != nil {
		return err
	}

	// gob skips a value it ignores by its length and walks one it decodes:
	// the two must agree.
	size, err := w.uint()
	if err != nil {
		return err
	}
	start := w.p
	if err := w.value(id); err != nil {
		return err
	}
	if uint64(w.p-start) != size {
		return w.fail("interface value of %d bytes sent with a length of %d (gob's Encoder does so for an interface value within one, of a type new to the connection)", w.p-start, size)
	}
	return nil
}

// next joins the next message to the one being walked.
func (w *gobWalker) next() error {
	if w.join == nil {
		return w.fail("the message ends inside an interface value")
	}
	b, err := w.join()
	if err != nil {
		return err
	}
	w.b = b
	return nil
}

// define records the definition of type id: a wireType struct, whose fields
// are pointers to (0) arrayType, (1) sliceType, (2) structType, (3) mapType,
// (4) gobEncoderType, (5) BinaryMarshaler's and (6) TextMarshaler's. Exactly
// one is set; gob reads which one by the type it decodes into, so a
// definition with two could be walked differently than gob reads it.
func (w *gobWalker) define(id int32) error {
	if id < gobFirstUserID {
		return w.fail("definition of reserved type id %d", id)
	}
	if w.c.types[id] != nil {
		return w.fail("second definition of type id %d", id)
	}
	if len(w.c.types) >= maxGobTypes {
		return w.fail("more than %d type definitions", maxGobTypes)
	}
	var t *gobType
	err := w.fields(7, func(field int) error {
		if t != nil {
			return w.fail("type definition of more than one kind")
		}
		switch field {
		case 0:
			t = &gobType{kind: kindArray}
			return w.fields(3, func(f int) error {
				switch f {
				case 0:
					return w.commonType()
				case 1:
					return w.id(&t.elem)
				default:
					n, err := w.int()
					if err == nil && n < 0 {
						err = w.fail("array of negative length %d", n)
					}
					t.len = n
					return err
				}
			})
		case 1:
			t = &gobType{kind: kindSlice}
			return w.fields(2, func(f int) error {
				if f == 0 {
					return w.commonType()
				}
				return w.id(&t.elem)
			})
		case 2:
			t = &gobType{kind: kindStruct}
			return w.fields(2, func(f int) error {
				if f == 0 {
					return w.commonType()
				}
				n, err := w.uint()
				if err != nil {
					return err
				}
				if n > uint64(w.left()) {
					return w.fail("struct of %d fields in the %d bytes left", n, w.left())
				}
				t.fields = make([]int32, n)
				t.fieldT = make([]*gobType, n)
				t.names = make([]string, n)
				for i := range t.fields {
					err := w.fields(2, func(f int) error {
						if f == 0 {
							return w.name(&t.names[i])
						}
						return w.id(&t.fields[i])
					})
					if err != nil {
						return err
					}
				}
				return nil
			})
		case 3:
			t = &gobType{kind: kindMap}
			return w.fields(3, func(f int) error {
				switch f {
				case 0:
					return w.commonType()
				case 1:
					return w.id(&t.key)
				default:
					return w.id(&t.elem)
				}
			})
		default:
			t = &gobType{kind: kindBytes, marshal: uint8(field)}
			return w.fields(1, func(int) error { return w.commonType() })
		}
	})
	if err != nil {
		return err
	}
	if t == nil {
		return w.fail("empty definition of type id %d", id)
	}
	w.c.types[id] = t
	return nil
}

// fields walks a struct of a type definition, which has n fields, calling
// field for each one sent.
func (w *gobWalker) fields(n int, field func(int) error) error {
	f := -1
	for {
		d, err := w.uint()
		if err != nil {
			return err
		}
		if d == 0 {
			return nil
		}
		if d > uint64(n-1-f) {
			return w.fail("field number out of range in a type definition")
		}
		f += int(d)
		if err := field(f); err != nil {
			return err
		}
	}
}

// commonType walks a CommonType struct: the type's name and id, which gob
// only uses in messages. gob fails on an id beyond 32 bits, and then keeps
// nothing of the definition: the check must not keep it either, since a
// value of its id is one gob cannot read (see headerReader).
func (w *gobWalker) commonType() error {
	return w.fields(2, func(f int) error {
		if f == 0 {
			return w.skip()
		}
		var id int32
		return w.id(&id)
	})
}

// name reads a string: a struct field's name.
func (w *gobWalker) name(p *string) error {
	n, err := w.uint()
	if err != nil {
		return err
	}
	if n > uint64(w.left()) {
		return w.fail("length %d exceeds the %d bytes left", n, w.left())
	}
	*p = string(w.b[w.p : w.p+int(n)])
	w.p += int(n)
	return nil
}

// id reads a type id within a definition (gob decodes it into an int32).
func (w *gobWalker) id(p *int32) error {
	n, err := w.int()
	if err != nil {
		return err
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		return w.fail("type id %d out of range", n)
	}
	*p = int32(n)
	return nil
}
