package stdhttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/core"
)

// A call's request is built here by hand rather than with
// http.NewRequestWithContext and sent with http.Client.Do, which between
// them parse the URL, make and clone a header map, and copy the URL for
// every call: a dozen allocations a client that posts to a few fixed URLs
// need not make. What goes on the wire is the same.

// A route is a path of a Client, parsed once: each call copies its URL.
type route struct {
	url neturl.URL
	str string // baseURL+path, as errors quote it
	err error  // why the URL does not parse; the calls to it fail with it
}

// maxRoutes bounds the routes a Client keeps: generated clients call a
// fixed set of paths, but Call takes any.
const maxRoutes = 1024

// route returns path's route, parsed at its first call.
func (c *Client) route(path string) *route {
	if r, ok := c.routes.Load(path); ok {
		return r.(*route)
	}
	r := &route{str: c.base + path}
	if u, err := neturl.Parse(r.str); err != nil {
		r.err = stdrpc.Errorf(stdrpc.InvalidArgument, "stdhttp: %v", err)
	} else {
		r.url = *u
		r.url.Host = removeEmptyPort(u.Host) // as http.NewRequest does
	}
	if c.nroutes.Load() < maxRoutes {
		c.nroutes.Add(1)
		if v, loaded := c.routes.LoadOrStore(path, r); loaded {
			return v.(*route)
		}
	}
	return r
}

// removeEmptyPort drops the colon of a host with an empty port
// ("host:"), as RFC 3986 section 6.2.3 asks and net/http does.
func removeEmptyPort(host string) string {
	if strings.LastIndex(host, ":") > strings.LastIndex(host, "]") {
		return strings.TrimSuffix(host, ":")
	}
	return host
}

// outgoing holds what one call's request points to: the URL, copied from
// the route because a RoundTripper may keep it, and the body. A body of
// up to maxSized bytes is copied into the same allocation, the room of a
// sized outgoing, rather than into a slice of its own.
type outgoing struct {
	url  neturl.URL
	body bytes.Reader
	data []byte
}

type sized[A any] struct {
	outgoing
	room A
}

// rooms are the sizes of sized outgoings, each with a function making
// one, smallest first. They grow by a quarter or so, so that a body leaves
// at most as much of its room unused as a slice grown by appending would
// of its capacity.
var rooms = [...]struct {
	size int
	make func() (*outgoing, []byte)
}{
	{64, func() (*outgoing, []byte) { x := new(sized[[64]byte]); return &x.outgoing, x.room[:] }},
	{128, func() (*outgoing, []byte) { x := new(sized[[128]byte]); return &x.outgoing, x.room[:] }},
	{192, func() (*outgoing, []byte) { x := new(sized[[192]byte]); return &x.outgoing, x.room[:] }},
	{256, func() (*outgoing, []byte) { x := new(sized[[256]byte]); return &x.outgoing, x.room[:] }},
	{320, func() (*outgoing, []byte) { x := new(sized[[320]byte]); return &x.outgoing, x.room[:] }},
	{384, func() (*outgoing, []byte) { x := new(sized[[384]byte]); return &x.outgoing, x.room[:] }},
	{512, func() (*outgoing, []byte) { x := new(sized[[512]byte]); return &x.outgoing, x.room[:] }},
	{640, func() (*outgoing, []byte) { x := new(sized[[640]byte]); return &x.outgoing, x.room[:] }},
	{768, func() (*outgoing, []byte) { x := new(sized[[768]byte]); return &x.outgoing, x.room[:] }},
	{1024, func() (*outgoing, []byte) { x := new(sized[[1024]byte]); return &x.outgoing, x.room[:] }},
	{1280, func() (*outgoing, []byte) { x := new(sized[[1280]byte]); return &x.outgoing, x.room[:] }},
	{1536, func() (*outgoing, []byte) { x := new(sized[[1536]byte]); return &x.outgoing, x.room[:] }},
	{2048, func() (*outgoing, []byte) { x := new(sized[[2048]byte]); return &x.outgoing, x.room[:] }},
	{2560, func() (*outgoing, []byte) { x := new(sized[[2560]byte]); return &x.outgoing, x.room[:] }},
	{3072, func() (*outgoing, []byte) { x := new(sized[[3072]byte]); return &x.outgoing, x.room[:] }},
	{maxSized, func() (*outgoing, []byte) { x := new(sized[[maxSized]byte]); return &x.outgoing, x.room[:] }},
}

// smallBody is the largest request body copied even when it is the
// request's own already: the JSON of a few numbers or a short string,
// which costs less to copy than a second allocation.
const smallBody = 64

// maxSized is the largest body copied into a sized outgoing.
const maxSized = 4096

// newOutgoing returns an outgoing whose data holds a copy of body, or body
// itself if owned says it is the request's already (and copying it would
// save no allocation).
func newOutgoing(body []byte, owned bool) *outgoing {
	n := len(body)
	if n == 0 || owned && n > smallBody || n > maxSized {
		o := &outgoing{data: body}
		if !owned {
			o.data = bytes.Clone(body)
		}
		return o
	}
	for _, r := range rooms {
		if n <= r.size {
			o, room := r.make()
			o.data = room[:n:n]
			copy(o.data, body)
			return o
		}
	}
	panic("unreachable")
}

// rewind is the request's GetBody: the transport sends a request again
// when the connection it picked from its pool turns out to have closed
// before a byte went out.
func (o *outgoing) rewind() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(o.data)), nil
}

func noBody() (io.ReadCloser, error) { return http.NoBody, nil }

// newRequest returns a POST of body to r, with header h, as
// http.NewRequestWithContext would make it from r's URL and a
// bytes.Reader of body. The transport may read the body after the call
// has returned, so it is copied unless owned says it is the request's
// already.
func newRequest(ctx context.Context, r *route, body []byte, owned bool, h http.Header) *http.Request {
	o := newOutgoing(body, owned)
	o.url = r.url
	body = o.data
	req := http.Request{
		Method:     http.MethodPost,
		URL:        &o.url,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     h,
		Body:       http.NoBody,
		GetBody:    noBody,
		Host:       o.url.Host,
	}
	if len(body) > 0 {
		// A NopCloser of a *bytes.Reader is a body net/http knows is in
		// memory: it writes it with the headers, in one write.
		o.body.Reset(body)
		req.Body = io.NopCloser(&o.body)
		req.GetBody = o.rewind
		req.ContentLength = int64(len(body))
	}
	return req.WithContext(ctx)
}

// Headers shared by the calls that add none of their own (no metadata,
// no deadline), when the transport is net/http's, which only reads a
// request's headers. Nothing writes to them after they are made.
type sharedHeaders struct {
	once             sync.Once
	call, callNoGzip http.Header
}

func (s *sharedHeaders) get(gzip bool) http.Header {
	s.once.Do(func() {
		s.call = http.Header{"Content-Type": jsonContentType, "Accept-Encoding": gzipEncoding}
		s.callNoGzip = http.Header{"Content-Type": jsonContentType}
	})
	if gzip {
		return s.call
	}
	return s.callNoGzip
}

// callHeader returns the headers of a unary call: Content-Type for JSON,
// Accept-Encoding: gzip if gzip, stdrpc.Outgoing(ctx), and ctx's deadline
// as TimeoutHeader. shared says the map may be one shared by other calls,
// which holds when nothing is sent but the first two. There is no Accept
// header: a unary method answers JSON whatever it says, and each header
// costs the server an allocation to read.
func (c *Client) callHeader(ctx context.Context, gzip, shared bool) (http.Header, error) {
	md := stdrpc.Outgoing(ctx)
	timeout, err := timeoutHeader(ctx)
	if err != nil {
		return nil, err
	}
	if shared && len(md) == 0 && timeout == nil {
		return c.shared.get(gzip), nil
	}
	h := make(http.Header, len(md)+3)
	for k, v := range md {
		h[k] = v // Metadata keys are canonical already; the transport only reads
	}
	h["Content-Type"] = jsonContentType
	if gzip {
		h["Accept-Encoding"] = gzipEncoding
	}
	setTimeout(h, timeout)
	return h, nil
}

// timeoutHeader returns the value of TimeoutHeader for ctx's deadline, nil
// without one, and deadline_exceeded if it has passed.
func timeoutHeader(ctx context.Context) ([]string, error) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return nil, nil
	}
	left := time.Until(deadline)
	if left <= 0 {
		return nil, core.ContextError(context.DeadlineExceeded)
	}
	ms := (left + time.Millisecond - 1) / time.Millisecond // round up: never claim less time than is left
	return []string{strconv.FormatInt(int64(ms), 10)}, nil
}

// setTimeout sets TimeoutHeader to v, or removes it for nil: forwarded
// metadata must not invent a deadline.
func setTimeout(h http.Header, v []string) {
	if v != nil {
		h[TimeoutHeader] = v
	} else if _, ok := h[TimeoutHeader]; ok {
		delete(h, TimeoutHeader)
	}
}

// transport returns the client's transport when it is net/http's own,
// and sending through it directly does what c.hc.Do would (no cookie jar,
// no client timeout, no credentials in the URL; redirects are not
// followed either way); nil otherwise.
func (c *Client) transport() *http.Transport {
	if !c.direct {
		return nil
	}
	rt := c.hc.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	t, _ := rt.(*http.Transport)
	return t
}

// send sends hreq through t, or through c.hc when t is nil (or the URL
// holds credentials, which http.Client sends), and returns the error as
// http.Client.Do would.
func (c *Client) send(hreq *http.Request, t *http.Transport) (*http.Response, error) {
	if t == nil || hreq.URL.User != nil {
		return c.hc.Do(hreq)
	}
	hresp, err := t.RoundTrip(hreq)
	if err != nil {
		if te, ok := err.(tls.RecordHeaderError); ok && string(te.RecordHeader[:]) == "HTTP/" {
			err = http.ErrSchemeMismatch
		}
		return nil, &neturl.Error{Op: "Post", URL: hreq.URL.String(), Err: err}
	}
	return hresp, nil
}

// clientState is what a Client learns and keeps as it makes calls.
type clientState struct {
	routes  sync.Map // of path to *route
	nroutes atomic.Int32
	shared  sharedHeaders
}
