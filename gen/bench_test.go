package gen

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkGenerate generates a service with a warm build cache, as go
// generate does when one file changed: testdata/bench's 50 methods over
// varied types, and 1,000 methods of the same shapes. It reports the split
// between loading (the go command and type-checking), checking and
// emitting.
func BenchmarkGenerate(b *testing.B) {
	b.Run("methods=50", func(b *testing.B) {
		benchGenerate(b, filepath.Join("testdata", "bench"))
	})
	b.Run("methods=1000", func(b *testing.B) {
		benchGenerate(b, bigModule(b, 1000))
	})
}

func benchGenerate(b *testing.B, dir string) {
	cfg := Config{Dir: dir, Check: true}
	if _, err := Run(cfg); err != nil { // warm the cache
		b.Fatal(err)
	}
	var t timing
	for b.Loop() {
		res, err := Run(cfg)
		if err != nil {
			b.Fatal(err)
		}
		t.load += res.timing.load
		t.check += res.timing.check
		t.emit += res.timing.emit
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(b.N) }
	b.ReportMetric(ms(t.load), "load-ms/op")
	b.ReportMetric(ms(t.check), "check-ms/op")
	b.ReportMetric(ms(t.emit), "emit-ms/op")
}

// benchShapes are the method shapes of testdata/bench; %d is the method's
// number, which keeps routes apart.
var benchShapes = []string{
	"(ctx context.Context, a, b int) (int, error)",
	"//stdrpc:http GET /users%d/{name}\n\tM%d(ctx context.Context, name string) (User, error)",
	"(ctx context.Context, u User) (User, error)",
	"//stdrpc:http PUT /users%d\n\tM%d(ctx context.Context, u *User) (*User, error)",
	"(ctx context.Context, data []byte) ([]byte, error)",
	"(ctx context.Context, at time.Time, d time.Duration) (time.Time, error)",
	"(ctx context.Context, m map[string]int, ids []int64) (map[int64]string, error)",
	"//stdrpc:http GET /pages%d\n\tM%d(ctx context.Context, limit int, cursor string) (Page[User], error)",
	"(ctx context.Context, xs ...float64) (float64, error)",
	"(ctx context.Context) error",
	"//stdrpc:http DELETE /items%d/{id}\n\tM%d(ctx context.Context, id int, tags []string) (n int, ok bool, err error)",
	"(ctx context.Context, a [4]int, c Celsius) ([2]Celsius, error)",
	"//stdrpc:http POST /users%d/{id}\n\tM%d(ctx context.Context, id int, u User) error",
	"(ctx context.Context, ps List[User]) (count int, names []string, err error)",
	"(ctx context.Context, s string) error",
}

// bigModule writes a module whose one service has n methods of the shapes
// of testdata/bench, and returns its directory.
func bigModule(b *testing.B, n int) string {
	var src strings.Builder
	src.WriteString(`package big

import (
	"context"
	"time"
)

type User struct {
	ID    int64
	Name  string
	Tags  []string
	Added time.Time
}

type Page[T any] struct {
	Items []T
	Next  string
}

type List[T any] = []T

type Celsius float64

//stdrpc:service
type Big interface {
`)
	for i := range n {
		shape := benchShapes[i%len(benchShapes)]
		fmt.Fprintf(&src, "\t// M%d is method number %d.\n", i, i)
		if strings.HasPrefix(shape, "//") {
			fmt.Fprintf(&src, "\t"+shape+"\n", i, i)
		} else {
			fmt.Fprintf(&src, "\tM%d%s\n", i, shape)
		}
	}
	src.WriteString("}\n")
	dir := b.TempDir()
	for name, content := range map[string]string{
		"go.mod": "module example.com/big\n\ngo 1.24\n",
		"big.go": src.String(),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}
