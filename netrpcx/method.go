package netrpcx

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"net/rpc"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/observe"
)

// A Method is one method of a generated net/rpc adapter, typed: what lets a
// netrpcx server call it without rpc.Server's reflection. Generated code
// makes them with NewMethod and passes them to Register.
type Method struct {
	name   string
	new    func() (req, resp any)
	stream bool         // a server stream: its reply is a Batch
	obs    *methodStats // shared by the copies of the Method

	// direct runs a call with its context, as Unary or Streaming gave it,
	// without the adapter's Go method and the table that method finds its
	// call in; nilRequest lets a nil request through to it.
	direct     func(st *callState, req, resp any) error
	nilRequest bool

	// take, for a client or bidirectional stream, is given each call of
	// the method as the reader reads it; items is whether the call
	// carries the caller's items. It reports whether it took the call,
	// which it then answers itself (see push.go); a call it leaves goes to
	// direct, as others do.
	take func(st *callState, items bool) bool
}

// A MethodOption tells a netrpcx server more of a Method than its Go
// method says. Generated code passes them to NewMethod.
type MethodOption struct {
	apply      func(m *Method) // nil for NilRequest
	req, resp  reflect.Type    // the types apply expects
	nilRequest bool
}

// Unary gives the call a netrpcx server makes of a unary method: the
// implementation's, with the call's context (its deadline, cancellation
// and metadata), the request and the reply. The server runs it within its
// interceptors and recovers its panics, as Run does, but calls it directly,
// with the context the connection holds, rather than through the adapter's
// Go method (which stock codecs still call).
func Unary[Req, Resp any](call func(ctx context.Context, req *Req, resp *Resp) error) MethodOption {
	return MethodOption{req: reflect.TypeFor[Req](), resp: reflect.TypeFor[Resp](), apply: func(m *Method) {
		m.direct = func(st *callState, req, resp any) error {
			r := req.(*Req)
			if st.nilReq {
				r = nil
			}
			return st.run(func(ctx context.Context) error { return call(ctx, r, resp.(*Resp)) })
		}
	}}
}

// Streaming is Unary for a server stream: call returns the stream of the
// request.
func Streaming[Req, T any](call func(ctx context.Context, req *Req) iter.Seq2[T, error]) MethodOption {
	return MethodOption{req: reflect.TypeFor[Req](), resp: reflect.TypeFor[Batch[T]](), apply: func(m *Method) {
		m.direct = func(st *callState, req, resp any) error {
			r := req.(*Req)
			if st.nilReq {
				r = nil
			}
			return runStream(st, resp.(*Batch[T]), func(ctx context.Context) iter.Seq2[T, error] { return call(ctx, r) })
		}
	}}
}

// NilRequest marks a method whose request is its lone pointer parameter:
// a request a netrpcx client sent as nil reaches the Unary or Streaming
// call as nil, as a nil argument reaches a local call. Without it (or
// without those), a nil request is refused with stdrpc.InvalidArgument,
// since the adapter's Go method cannot be given nil.
func NilRequest() MethodOption { return MethodOption{nilRequest: true} }

// NewMethod returns the Method name of an adapter, whose Go method is fn.
//
// The options give what fn's shape cannot say: the call with its context
// (Unary, Streaming) and whether it takes a nil request (NilRequest).
// NewMethod panics if an option's types are not fn's: a mistake of the code
// that calls it, not of a caller.
func NewMethod[Req, Resp any](name string, fn func(req *Req, resp *Resp) error, opts ...MethodOption) Method {
	_, stream := any((*Resp)(nil)).(batch)
	m := Method{
		name:   name,
		new:    func() (any, any) { return new(Req), new(Resp) },
		stream: stream,
		obs:    new(methodStats),
	}
	for _, o := range opts {
		if o.apply != nil {
			if o.req != reflect.TypeFor[Req]() || o.resp != reflect.TypeFor[Resp]() {
				panic(fmt.Sprintf("netrpcx: NewMethod %s: an option for request %v and reply %v given to a method of %v and %v", name, o.req, o.resp, reflect.TypeFor[Req](), reflect.TypeFor[Resp]()))
			}
			o.apply(&m)
		}
		m.nilRequest = m.nilRequest || o.nilRequest
	}
	return m
}

// methodStats keeps the counters an Observer has for a method, so that a
// call finds them without a map: the Observer's of the last server that
// served the method. Servers with different Observers sharing one
// rpc.Server look theirs up again when they alternate.
type methodStats struct {
	p atomic.Pointer[observedMethod]
}

type observedMethod struct {
	o *observe.Observer
	m *observe.Method
}

// observed returns the counters o has for the method info names, or nil
// without an Observer.
func (m *Method) observed(o *observe.Observer, info stdrpc.CallInfo) *observe.Method {
	if o == nil || m.obs == nil {
		return nil
	}
	if p := m.obs.p.Load(); p != nil && p.o == o {
		return p.m
	}
	om := o.Server(observe.NetRPC, info, m.stream)
	m.obs.p.Store(&observedMethod{o: o, m: om})
	return om
}

// Register registers rcvr, a generated adapter, on srv as the service name,
// as srv.RegisterName does, and records its methods for the netrpcx servers
// of srv.
//
// A netrpcx server calls a recorded method itself, on a goroutine it keeps
// for the next call, where rpc.Server would call it by reflection on a new
// goroutine whose stack then grows. Calls served by a stock codec, and
// methods registered on srv otherwise, go through rpc.Server as before.
func Register(srv *rpc.Server, name string, rcvr any, methods ...Method) error {
	rv := reflect.ValueOf(rcvr)
	for i, m := range methods {
		switch {
		case m.new == nil:
			return fmt.Errorf("netrpcx: Register %s: method %d was not made by NewMethod", name, i)
		case !rv.MethodByName(m.name).IsValid():
			return fmt.Errorf("netrpcx: Register %s: %T has no method %s; each Method must be one of rcvr's", name, rcvr, m.name)
		case m.direct == nil:
			return fmt.Errorf("netrpcx: Register %s: method %s has no Unary, Streaming, ClientStreaming or BidiStreaming call, so a netrpcx server could not give it its context: pass one to NewMethod (generated code does; run go generate if it was generated by an older stdrpc)", name, m.name)
		}
	}
	if err := srv.RegisterName(name, rcvr); err != nil {
		return err
	}
	t := tableOf(srv)
	t.mu.Lock()
	defer t.mu.Unlock()
	table := maps.Clone(t.load())
	if table == nil {
		table = make(map[string]*Method, len(methods))
	}
	for i := range methods {
		table[name+"."+methods[i].name] = &methods[i]
	}
	t.methods.Store(&table)
	return nil
}

// methodTable is what Register recorded for one rpc.Server. Codecs read it
// without a lock; Register replaces it whole.
type methodTable struct {
	mu      sync.Mutex // serializes Register
	methods atomic.Pointer[map[string]*Method]
}

func (t *methodTable) load() map[string]*Method {
	if m := t.methods.Load(); m != nil {
		return *m
	}
	return nil
}

// tables holds the methodTable of every rpc.Server that Register was given,
// weakly: an entry goes when its server does. It is package state because
// RegisterXNetRPC has nothing but the *rpc.Server to keep it in, and the
// netrpcx Server finds it from the same pointer.
var tables sync.Map // weak.Pointer[rpc.Server] → *methodTable

func tableOf(srv *rpc.Server) *methodTable {
	key := weak.Make(srv)
	if t, ok := tables.Load(key); ok {
		return t.(*methodTable)
	}
	t, loaded := tables.LoadOrStore(key, new(methodTable))
	if !loaded {
		runtime.AddCleanup(srv, func(key weak.Pointer[rpc.Server]) { tables.Delete(key) }, key)
	}
	return t.(*methodTable)
}

// methodsOf returns the methods Register recorded for srv, by
// "Service.Method".
func methodsOf(srv *rpc.Server) map[string]*Method {
	if t, ok := tables.Load(weak.Make(srv)); ok {
		return t.(*methodTable).load()
	}
	return nil
}
