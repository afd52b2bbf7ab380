package gen_test

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stdrpc/stdrpc/gen"
)

// ruleCases are the testdata/errors packages that break rules; one run
// loads them all and must report every violation below, and nothing else.
var ruleCases = []string{"./collisions", "./directives", "./instreams", "./methods", "./routes", "./shapes", "./streams", "./types"}

// violations lists every rule violation in testdata/errors with the exact
// line a user sees (paths relative to testdata/errors).
var violations = []struct {
	rule string
	want string
}{
	{"generated func collides with a declaration",
		"collisions/collisions.go:7:6: Store: the generated func RegisterStoreHTTP collides with the func declared at collisions/collisions.go:15:6: rename that one, or the interface"},
	{"generated type collides with a declaration",
		"collisions/collisions.go:8:2: Store.Get: the generated type StoreGetRequest collides with the type declared at collisions/collisions.go:12:6: rename that one, or the method"},
	{"two services generate the same type",
		"collisions/collisions.go:24:2: AB.C: the generated type ABCRequest is also generated for A.BC: rename one of them"},
	{"two services with one wire name",
		"collisions/collisions.go:28:6: Other: the service name \"Store\" is also Store's (a server or mux can hold only one): set a different name= on one of them"},
	{"misspelled directive",
		"directives/directives.go:6:1: unknown directive //stdrpc:servce: did you mean //stdrpc:service?"},
	{"misspelled prefix",
		"directives/directives.go:11:1: unknown directive //stdrcp:service: did you mean //stdrpc:service?"},
	{"space after //",
		"directives/directives.go:16:1: a space after // makes //stdrpc:service a plain comment: write //stdrpc:service"},
	{"unknown key",
		"directives/directives.go:21:18: unknown key \"nmae\" in //stdrpc:service: did you mean name?"},
	{"bad service name",
		"directives/directives.go:26:23: bad service name \"a/b\": use Go identifiers joined by dots, as in acme.v1.Calculator"},
	{"empty name",
		"directives/directives.go:31:23: name has no value: write name=NAME, as in name=acme.v1.Calculator"},
	{"positional argument",
		"directives/directives.go:36:18: unexpected argument \"Foo\": did you mean name=Foo?"},
	{"unknown directive",
		"directives/directives.go:41:1: unknown directive //stdrpc:frobnicate (the directives are //stdrpc:service, //stdrpc:http, //stdrpc:idempotent and //stdrpc:jsonrpc)"},
	{"route without method and pattern",
		"directives/directives.go:48:2: //stdrpc:http needs a method and a pattern, as in //stdrpc:http GET /users/{id}"},
	{"lower-case verb",
		"directives/directives.go:50:16: unknown HTTP method \"get\": did you mean GET?"},
	{"unknown verb",
		"directives/directives.go:52:16: unknown HTTP method \"FETCH\": did you mean PATCH?"},
	{"extra argument",
		"directives/directives.go:54:24: unexpected argument \"extra\" after the pattern: a pattern has no spaces"},
	{"route without method",
		"directives/directives.go:56:16: route /m5 has no method: write one, as in //stdrpc:http GET /users/{id}"},
	{"misspelled http directive",
		"directives/directives.go:58:2: unknown directive //stdrpc:htp: did you mean //stdrpc:http?"},
	{"route without pattern",
		"directives/directives.go:60:2: //stdrpc:http GET needs a pattern, as in //stdrpc:http GET /users/{id}"},
	{"service directive on a func",
		"directives/directives.go:64:1: //stdrpc:service must be in the doc comment of an interface type declaration"},
	{"route on an unmarked interface",
		"directives/directives.go:69:2: //stdrpc:http is on Plain.M, which is not a method of a //stdrpc:service interface: mark the interface, or move the route"},
	{"service directive twice",
		"directives/directives.go:74:1: Twice: //stdrpc:service is given twice: keep one"},
	{"idempotent on an interface",
		"directives/directives.go:83:1: Marks: //stdrpc:idempotent marks a method, not a type: put it in the doc comment of each method that is safe to call twice"},
	{"idempotent with an argument",
		"directives/directives.go:85:22: Marks.Args: //stdrpc:idempotent takes no arguments (the line alone marks the method): remove \"true\""},
	{"idempotent twice",
		"directives/directives.go:88:2: Marks.Twice: //stdrpc:idempotent is given twice: keep one"},
	{"misspelled idempotent",
		"directives/directives.go:90:2: unknown directive //stdrpc:idempotnet: did you mean //stdrpc:idempotent?"},
	{"idempotent on a func",
		"directives/directives.go:94:1: //stdrpc:idempotent must be in the doc comment of a method of a //stdrpc:service interface"},
	{"idempotent on an unmarked interface",
		"directives/directives.go:99:2: //stdrpc:idempotent is on PlainToo.M, which is not a method of a //stdrpc:service interface: mark the interface, or remove the directive"},
	{"service inside a function",
		"directives/directives.go:105:2: Local: //stdrpc:service is on Local, which is declared inside func local: declare the service at package level, where generated code can refer to it"},
	{"service directive on a type group",
		"directives/directives.go:112:1: //stdrpc:service is above a type ( ... ) group, so it marks none of its types: move it inside the group, onto the line above the interface to serve (GroupA, GroupB)"},
	{"stream to the server beside another parameter, at the stream",
		"instreams/instreams.go:18:42: InStreams.Beside: parameter edits (iter.Seq[Edit]) streams items to the server, so it must be the only data parameter besides ctx: carry doc in Edit, or send it in a call of its own"},
	{"bidirectional stream beside other parameters",
		"instreams/instreams.go:19:45: InStreams.BesideTwo: parameter edits (iter.Seq[Edit]) streams items to the server, so it must be the only data parameter besides ctx: carry doc and n in Edit, or send them in a call of its own"},
	{"iter.Seq2 parameter",
		"instreams/instreams.go:20:28: InStreams.Seq2: parameter edits has type iter.Seq2[Edit, error]: a stream to the server carries no errors (the caller ends it by ending the sequence, or by canceling ctx): take iter.Seq[Edit]"},
	{"iter.Seq2 parameter whose second type is not error",
		"instreams/instreams.go:21:36: InStreams.Seq2NotError: parameter edits has type iter.Seq2[Edit, int]: a stream to the server is iter.Seq[T]: take iter.Seq[Edit], and carry the int in the item type"},
	{"channel parameter",
		"instreams/instreams.go:22:28: InStreams.Chan: parameter edits has type <-chan Edit: channels cannot travel over the wire; send the values as a slice, or take iter.Seq[Edit] to stream them to the server"},
	{"client stream without context",
		"instreams/instreams.go:23:2: InStreams.NoContext: a stream needs a context.Context first parameter (the stream lasts until the context is done): add ctx context.Context"},
	{"bidirectional stream without context, reported once",
		"instreams/instreams.go:24:2: InStreams.NoContextBidi: a stream needs a context.Context first parameter (the stream lasts until the context is done): add ctx context.Context"},
	{"item type that cannot travel",
		"instreams/instreams.go:25:28: InStreams.Item: stream element type any: interface types cannot travel (the receiver cannot know the concrete type); use a concrete type"},
	{"item type with a field that cannot travel, at the field",
		"instreams/instreams.go:14:18: InStreams.ItemField: stream element type Bad: field C has type chan int: channels cannot travel over the wire; send the values as a slice"},
	{"route on a client stream",
		"instreams/instreams.go:27:2: InStreams.Routed: route \"POST /upload\" cannot serve a client stream, which is served at POST /InStreams/Routed alone (NDJSON, or a WebSocket on the same path): remove the route"},
	{"route on a bidirectional stream",
		"instreams/instreams.go:29:2: InStreams.RoutedBidi: route \"GET /sync\" cannot serve a bidirectional stream, which is served at POST /InStreams/RoutedBidi alone (NDJSON, or a WebSocket on the same path): remove the route"},
	{"idempotent client stream",
		"instreams/instreams.go:31:2: InStreams.Idempotent: //stdrpc:idempotent cannot mark a client stream: its items are consumed as they are sent, so the call cannot be sent again; remove the line"},
	{"idempotent bidirectional stream",
		"instreams/instreams.go:33:2: InStreams.IdempotentBidi: //stdrpc:idempotent cannot mark a bidirectional stream: its items are consumed as they are sent, so the call cannot be sent again; remove the line"},
	{"unexported method",
		"methods/methods.go:11:2: Methods.lower: net/rpc serves only exported methods: export lower, or move it out of the service"},
	{"no error result",
		"methods/methods.go:12:2: Methods.NoError: the last result must be error (a remote call can always fail): add one"},
	{"no results",
		"methods/methods.go:13:2: Methods.NoResults: the last result must be error (a remote call can always fail): add one"},
	{"context not first",
		"methods/methods.go:14:17: Methods.CtxLast: parameter ctx: context.Context must be the first parameter"},
	{"unnamed parameter, at the parameter",
		"methods/methods.go:15:27: Methods.Unnamed: parameter 2 (int) needs a name, which is the wire contract: name the parameters in the interface"},
	{"another unnamed parameter, at the parameter",
		"methods/methods.go:15:32: Methods.Unnamed: parameter 3 (string) needs a name, which is the wire contract: name the parameters in the interface"},
	{"unnamed result, at the result",
		"methods/methods.go:16:39: Methods.UnnamedResults: result 1 (int) needs a name when there are two or more results (names are the wire contract): name them, as in (quo, rem int, err error)"},
	{"another unnamed result, at the result",
		"methods/methods.go:16:44: Methods.UnnamedResults: result 2 (string) needs a name when there are two or more results (names are the wire contract): name them, as in (quo, rem int, err error)"},
	{"parameters sharing a field",
		"methods/methods.go:17:40: Methods.SameField: parameters a and A both travel as field A: rename one"},
	{"parameter that cannot be a field",
		"methods/methods.go:18:34: Methods.Underscore: parameter _x cannot become an exported field of the envelope: start its name with a letter"},
	{"unnamed unexported lone struct",
		"methods/methods.go:19:34: Methods.UnexportedLone: the parameter's type secret is unexported, so it travels in an envelope (net/rpc refuses unexported types) and needs a name: name it, or export the type"},
	{"unnamed unexported result",
		"methods/methods.go:20:41: Methods.UnexportedResult: the result's type secret is unexported, so it travels in an envelope (net/rpc refuses unexported types) and needs a name: name it, as in (v secret, err error), or export the type"},
	{"parameter whose first letter has no upper case",
		"methods/methods.go:22:32: Methods.Caseless: parameter 名前 cannot become an exported field of the envelope: its first letter, 名, has no upper case, and only a name that starts with an upper-case letter is exported; rename it to start with a letter that has one"},
	{"out-parameter, go-micro's shape",
		"methods/methods.go:40:39: OutParams.Hello: parameter rsp (*Rsp) is an out-parameter: a remote call cannot fill in the caller's value, so it would come back empty; return the value instead, as in Hello(ctx context.Context, req *Req) (*Rsp, error)"},
	{"out-parameter, the net/rpc docs' shape",
		"methods/methods.go:41:23: OutParams.Multiply: parameter reply (*int) is an out-parameter: a remote call cannot fill in the caller's value, so it would come back empty; return the value instead, as in Multiply(args *Args) (int, error)"},
	{"no methods",
		"methods/methods.go:47:6: Empty: the service has no methods: add one"},
	{"wildcard names no parameter",
		"routes/routes.go:10:2: Routes.NoParam: route \"GET /a/{x}\": wildcard {x} names no parameter (they are id): rename the wildcard or the parameter"},
	{"lone struct in a GET query",
		"routes/routes.go:12:2: Routes.StructQuery: route \"GET /b\": parameter f of type Filter cannot come from the query string of a GET request: pass strings, bools, numbers or slices of them, or use a POST route"},
	{"struct in a GET query",
		"routes/routes.go:14:2: Routes.StructInQuery: route \"GET /c\": parameter f of type Filter cannot come from the query string of a GET request: pass strings, bools, numbers or slices of them, or use a POST route"},
	{"slice in a path wildcard",
		"routes/routes.go:16:2: Routes.SlicePath: route \"GET /d/{ids}\": wildcard {ids} cannot carry parameter ids of type []int: path values bind to strings, bools, numbers and encoding.TextUnmarshalers"},
	{"routes matching the same requests",
		"routes/routes.go:20:2: Routes.Two: route \"GET /e/{name}\" matches the same requests as route \"GET /e/{id}\" of Routes.One: change one of them"},
	{"route matching a method's POST route",
		"routes/routes.go:22:2: Routes.Three: route \"POST /Routes/One\" matches the same requests as \"POST /Routes/One\", which Routes.One answers like every method: change one of them"},
	{"malformed pattern",
		"routes/routes.go:24:23: Routes.Malformed: route \"GET /f/{\" is not a valid ServeMux pattern: bad wildcard segment (must end with '}'): close it, as in {id}"},
	{"duplicate wildcard",
		"routes/routes.go:26:27: Routes.Duplicate: route \"GET /g/{a}/{a}\" is not a valid ServeMux pattern: duplicate wildcard name \"a\": give each wildcard a name of its own"},
	{"wildcard names no field of a lone struct",
		"routes/routes.go:28:2: Routes.NoField: route \"PUT /h/{Name}\": wildcard {Name} names no field of the lone struct parameter (they are name, tags): rename the wildcard, or give a field that JSON name"},
	{"slice field in a path wildcard",
		"routes/routes.go:30:2: Routes.SliceField: route \"PUT /i/{tags}\": wildcard {tags} cannot carry field Tags of type []string: path values bind to strings, bools, numbers and encoding.TextUnmarshalers"},
	{"receive-only channel result",
		"streams/streams.go:18:33: Streams.RecvChan: result 1 has type <-chan Tick: channels cannot travel over the wire; to stream the values, return iter.Seq2[Tick, error] as the only result"},
	{"channel result without error",
		"streams/streams.go:19:28: Streams.Chan: result 1 has type chan Tick: channels cannot travel over the wire; to stream the values, return iter.Seq2[Tick, error] as the only result"},
	{"callback returning error",
		"streams/streams.go:20:32: Streams.Callback: parameter send has type func(Tick) error: functions cannot travel over the wire; to stream values to the caller, return iter.Seq2[Tick, error] instead of taking a callback; to stream them to the server, take iter.Seq[Tick]"},
	{"callback without error",
		"streams/streams.go:21:28: Streams.Each: parameter each has type func(Tick): functions cannot travel over the wire; to stream values to the caller, return iter.Seq2[Tick, error] instead of taking a callback; to stream them to the server, take iter.Seq[Tick]"},
	{"iter.Seq without error",
		"streams/streams.go:22:27: Streams.Seq: the result iter.Seq[Tick] cannot fail: use iter.Seq2[Tick, error] so the stream can fail"},
	{"iter.Seq2 whose second type is not error",
		"streams/streams.go:23:32: Streams.NotError: the result iter.Seq2[Tick, string] is not a stream: a stream's second type is error, which ends it with a failure; use iter.Seq2[Tick, error], and carry the string in the element type"},
	{"stream with extra results",
		"streams/streams.go:24:2: Streams.Extra: a stream must be the only result (its error ends the stream): return iter.Seq2[Tick, error] alone"},
	{"stream without context",
		"streams/streams.go:25:2: Streams.NoContext: a stream needs a context.Context first parameter (the stream lasts until the context is done): add ctx context.Context"},
	{"stream element that cannot travel",
		"streams/streams.go:26:28: Streams.Elem: stream element type any: interface types cannot travel (the receiver cannot know the concrete type); use a concrete type"},
	{"stream element with a field that cannot travel, at the field",
		"streams/streams.go:14:18: Streams.ElemField: stream element type Bad: field F has type func(): functions cannot travel over the wire"},
	{"stream route colliding with a unary route",
		"streams/streams.go:37:2: Routed.Unary: route \"GET /ticks/{n}\" matches the same requests as route \"GET /ticks/{id}\" of Routed.Fine: change one of them"},
	{"generic interface",
		"shapes/shapes.go:7:6: Repo: a service cannot have type parameters (net/rpc and the generated code need concrete types): declare an interface without them"},
	{"struct marked as a service",
		"shapes/shapes.go:12:6: Config: //stdrpc:service marks interface types, and Config is a struct type: declare an interface with the methods to serve"},
	{"constraint interface",
		"shapes/shapes.go:15:6: Number: an interface with type constraints cannot be a service: list only methods"},
	{"channel",
		"types/types.go:29:28: Types.Chan: parameter ch has type chan int: channels cannot travel over the wire; send the values as a slice, or take iter.Seq[int] to stream them to the server"},
	{"func",
		"types/types.go:30:28: Types.Func: parameter f has type func(): functions cannot travel over the wire"},
	{"unsafe.Pointer",
		"types/types.go:31:30: Types.Unsafe: parameter p has type unsafe.Pointer: unsafe.Pointer cannot travel over the wire"},
	{"complex number",
		"types/types.go:32:31: Types.Complex: parameter c has type complex128: json cannot encode complex numbers; use two float64 values"},
	{"any",
		"types/types.go:33:27: Types.Any: parameter v has type any: interface types cannot travel (the receiver cannot know the concrete type); use a concrete type"},
	{"interface",
		"types/types.go:34:30: Types.Reader: parameter r has type io.Reader: interface types cannot travel (the receiver cannot know the concrete type); use a concrete type"},
	{"error as data",
		"types/types.go:35:32: Types.ErrData: result e has type error: an error can only be the last result; return the value's fields instead"},
	{"channel deep in a struct, at the field",
		"types/types.go:20:2: Types.Nested: parameter o: field Inner.Items[i].Ch has type chan int: channels cannot travel over the wire; send the values as a slice"},
	{"struct without exported fields",
		"types/types.go:37:30: Types.Hidden: parameter h has type hidden: gob cannot encode a struct with no exported field; export its fields"},
	{"struct map key",
		"types/types.go:38:30: Types.MapKey: parameter m has type map[Key]int: json can encode only string and integer map keys (or encoding.TextMarshalers); use string or integer keys"},
	{"a marshaler for json only, over unexported fields",
		"types/types.go:77:32: Marshalers.Quantity: parameter q has type Quantity: Quantity has MarshalJSON but no GobEncode: gob would send its fields, which are unexported; add GobEncode and GobDecode, or MarshalBinary and UnmarshalBinary"},
	{"a marshaler for gob only, over unexported fields",
		"types/types.go:78:28: Marshalers.Blob: parameter b has type Blob: Blob has GobEncode but no MarshalJSON: json would send its fields, which are unexported; add MarshalJSON and UnmarshalJSON, or MarshalText and UnmarshalText"},
	{"a marshaler for json only, over a field gob cannot send",
		"types/types.go:59:20: Marshalers.Loose: parameter l: field V has type any: interface types cannot travel (the receiver cannot know the concrete type); use a concrete type, or give Loose GobEncode and GobDecode (gob does not use its MarshalJSON)"},
	{"a marshaler without its unmarshaler",
		"types/types.go:80:30: Marshalers.OneWay: parameter o has type OneWay: OneWay has MarshalText but no UnmarshalText: the receiver could not decode what it sends; add UnmarshalText"},
	{"channel result",
		"types/types.go:39:31: Types.Result: result 1 has type <-chan int: channels cannot travel over the wire; to stream the values, return iter.Seq2[int, error] as the only result"},
}

func TestViolations(t *testing.T) {
	dir := filepath.Join("testdata", "errors")
	_, err := gen.Run(gen.Config{Dir: dir, Patterns: ruleCases})
	var diags gen.Diagnostics
	if !errors.As(err, &diags) {
		t.Fatalf("Run = %v; want Diagnostics", err)
	}
	got := map[string]bool{}
	for _, d := range diags {
		got[d.String()] = true
	}
	for _, v := range violations {
		t.Run(v.rule, func(t *testing.T) {
			if !got[v.want] {
				t.Errorf("missing diagnostic:\n%s", v.want)
			}
			delete(got, v.want)
		})
	}
	for line := range got {
		t.Errorf("unexpected diagnostic:\n%s", line)
	}
	// Diagnostics come sorted by position.
	if !slices.IsSortedFunc(diags, func(a, b gen.Diagnostic) int {
		if a.Pos.Filename != b.Pos.Filename {
			if a.Pos.Filename < b.Pos.Filename {
				return -1
			}
			return 1
		}
		return a.Pos.Line - b.Pos.Line
	}) {
		t.Errorf("diagnostics are not sorted:\n%v", diags)
	}
}
