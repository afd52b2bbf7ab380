package netrpcx_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/stdrpc/stdrpc"
	"github.com/stdrpc/stdrpc/internal/testsvc"
	"github.com/stdrpc/stdrpc/netrpcx"
)

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "netrpcx test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	addr, srv := serve(t, &testsvc.Impl{}, netrpcx.WithServerTLS(&tls.Config{Certificates: []tls.Certificate{cert}}))

	test := testsvc.NewTestNetRPCClient(dial(t, addr, netrpcx.WithClientTLS(&tls.Config{RootCAs: pool})))
	ctx := stdrpc.AppendOutgoing(context.Background(), "X-Over", "tls")
	if sum, err := test.Add(ctx, 2, 3); err != nil || sum != 5 {
		t.Fatalf("Add over TLS = %d, %v", sum, err)
	}
	if v, err := test.Meta(ctx, "X-Over"); err != nil || v != "tls" {
		t.Fatalf("Meta over TLS = %q, %v", v, err)
	}

	// A client that does not trust the certificate cannot connect.
	if _, err := netrpcx.Dial("tcp", addr, netrpcx.WithClientTLS(&tls.Config{})); stdrpc.CodeOf(err) != stdrpc.Unavailable {
		t.Fatalf("Dial without trusting the certificate: %v, want unavailable", err)
	}

	// Graceful shutdown works over TLS too.
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}
