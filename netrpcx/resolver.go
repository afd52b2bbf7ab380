package netrpcx

import (
	"context"
	"net"
	"slices"
	"time"
)

// A Resolver tells a Client the addresses of the instances of a service:
// a static list, a DNS name, a service registry. The Client calls Resolve
// when it is made, then every WithResolveInterval and soon after a
// connection fails, and keeps one connection per address.
type Resolver interface {
	// Resolve returns the addresses (in the form the Client's network
	// dials, such as "10.0.0.7:8000"). An error, or no address, leaves the
	// Client with the addresses it had.
	Resolve(ctx context.Context) ([]string, error)
}

// StaticResolver is a Resolver of a fixed list of addresses.
func StaticResolver(addrs ...string) Resolver { return staticResolver(slices.Clone(addrs)) }

type staticResolver []string

func (s staticResolver) Resolve(context.Context) ([]string, error) { return s, nil }

// dnsResolver resolves a host name to one address per IP, with the port
// kept: Dial's default for TCP addresses whose host is a name.
type dnsResolver struct{ host, port string }

func (d dnsResolver) Resolve(ctx context.Context) ([]string, error) {
	ips, err := net.DefaultResolver.LookupHost(ctx, d.host)
	if err != nil {
		return nil, err
	}
	addrs := make([]string, len(ips))
	for i, ip := range ips {
		addrs[i] = net.JoinHostPort(ip, d.port)
	}
	slices.Sort(addrs)
	return addrs, nil
}

// defaultResolver returns the Resolver Dial uses for address: DNS for a
// TCP address whose host is a name, none (the address as it is) otherwise.
func defaultResolver(network, address string) Resolver {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil || host == "" || net.ParseIP(host) != nil {
		return nil
	}
	return dnsResolver{host: host, port: port}
}

// DefaultResolveInterval is how often a Client asks its Resolver again,
// unless WithResolveInterval says otherwise.
const DefaultResolveInterval = 30 * time.Second

// resolveAfterFailure is the least time between two resolutions that
// connection failures ask for.
const resolveAfterFailure = time.Second
