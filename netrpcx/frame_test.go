package netrpcx

import (
	"bytes"
	"encoding/gob"
	"errors"
	"io"
	"reflect"
	"runtime"
	"testing"
	"testing/iotest"
)

// gobStream returns the gob encoding of values, one message after another.
func gobStream(t testing.TB, values ...any) []byte {
	var buf bytes.Buffer
	enc := gob.NewEncoder(&buf)
	for _, v := range values {
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestFrameReaderPassesGob(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 300)   // a count of two bytes
	huge := bytes.Repeat([]byte("y"), 5000) // more than the reader's buffer
	stream := gobStream(t, requestHeader{ServiceMethod: "Test.Add", Seq: 7, Timeout: 5}, big, huge, struct{}{}, "")
	for name, r := range map[string]io.Reader{
		"whole":      bytes.NewReader(stream),
		"bytewise":   iotest.OneByteReader(bytes.NewReader(stream)),
		"half reads": iotest.HalfReader(bytes.NewReader(stream)),
	} {
		t.Run(name, func(t *testing.T) {
			dec := gob.NewDecoder(newFrameReader(r, 8192, "the option"))
			var h requestHeader
			var b []byte
			var s string
			if err := dec.Decode(&h); err != nil || h.Seq != 7 || h.ServiceMethod != "Test.Add" {
				t.Fatalf("header %+v, %v", h, err)
			}
			for _, want := range [][]byte{big, huge} {
				if err := dec.Decode(&b); err != nil || !bytes.Equal(b, want) {
					t.Fatalf("%d bytes: %v", len(want), err)
				}
			}
			if err := dec.DecodeValue(reflect.Value{}); err != nil {
				t.Fatalf("empty struct: %v", err)
			}
			if err := dec.Decode(&s); err != nil {
				t.Fatalf("string: %v", err)
			}
			if err := dec.Decode(&s); err != io.EOF {
				t.Fatalf("at the end: %v, want io.EOF", err)
			}
		})
	}
}

func TestFrameReaderLimit(t *testing.T) {
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"at the limit", append([]byte{100}, make([]byte, 100)...), io.EOF},
		{"one over", []byte{101}, errTooLarge},
		{"1 GiB", []byte{0xFC, 0x40, 0, 0, 0}, errTooLarge},
		{"max uint64", []byte{0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, errTooLarge},
		{"nine-byte count", []byte{0xF7, 1, 2, 3, 4, 5, 6, 7, 8, 9}, nil},
		{"zero-byte count", []byte{0x80}, nil},
		{"cut in the count", []byte{0xFE, 0x01}, io.ErrUnexpectedEOF},
		{"cut in the body", []byte{10, 1, 2, 3}, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := io.Copy(io.Discard, newFrameReader(bytes.NewReader(tt.input), 100, "the option"))
			if err == nil {
				err = io.EOF // io.Copy hides the clean end
			}
			switch {
			case tt.want == nil:
				if err == io.EOF || errors.Is(err, errTooLarge) || err == io.ErrUnexpectedEOF {
					t.Fatalf("got %v, want a corrupt-prefix error", err)
				}
			case !errors.Is(err, tt.want):
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
	_, err := io.ReadAll(newFrameReader(bytes.NewReader([]byte{0xFC, 0x40, 0, 0, 0}), 100, "netrpcx.WithMaxMessageBytes"))
	if want := "netrpcx: message of 1073741824 bytes exceeds the limit of 100 bytes (raise it with netrpcx.WithMaxMessageBytes)"; err == nil || err.Error() != want {
		t.Fatalf("error %q, want %q", err, want)
	}
}

// FuzzFrameReader checks that the frame reader passes through exactly the
// bytes of well-framed messages within the limit, stops at the first
// oversized, malformed or cut-short message without handing out any of it,
// and never panics.
func FuzzFrameReader(f *testing.F) {
	f.Add([]byte{3, 1, 2, 3, 0}, uint16(10))
	f.Add([]byte{0xFE, 0x01, 0x00}, uint16(300))
	f.Add([]byte{0xFC, 0x40, 0, 0, 0}, uint16(1000))
	f.Add([]byte{0xF7, 0, 0}, uint16(1000))
	f.Add(gobStream(f, requestHeader{ServiceMethod: "Test.Add", Seq: 1, Metadata: []string{"K", "v"}}), uint16(64))
	f.Fuzz(func(t *testing.T, input []byte, limit uint16) {
		out, err := io.ReadAll(iotest.HalfReader(newFrameReader(bytes.NewReader(input), int(limit), "the option")))
		ok, want := model(input, uint64(limit))
		if !bytes.Equal(out, input[:ok]) {
			t.Fatalf("handed out %x, want %x", out, input[:ok])
		}
		if (err == nil) != want {
			t.Fatalf("error %v; the model says clean end %v", err, want)
		}
	})
}

// model returns how many bytes of input a frame reader with limit hands out:
// every message up to the first that is malformed, over the limit or cut
// short (none of that one), and whether input ends cleanly between messages.
func model(input []byte, limit uint64) (int, bool) {
	i := 0
	for i < len(input) {
		b := input[i]
		n, count := 1, uint64(b)
		if b >= 0x80 {
			k := -int(int8(b))
			if k < 1 || k > 8 || i+1+k > len(input) {
				return i, false
			}
			count = 0
			for _, c := range input[i+1 : i+1+k] {
				count = count<<8 | uint64(c)
			}
			n = 1 + k
		}
		if count > limit {
			return i, false
		}
		if uint64(len(input)-i-n) < count {
			return i, false
		}
		i += n + int(count)
	}
	return i, true
}

// A peer that announces a message at the limit and sends little of it
// makes the reader hold little more than it sent.
func TestFrameReaderGrowsAsBytesArrive(t *testing.T) {
	const limit = 4 << 20
	head := []byte{0xFD, 0x40, 0x00, 0x00} // a count of 4 MiB
	for _, sent := range []int{100, 200 << 10} {
		input := append(append([]byte{}, head...), make([]byte, sent)...)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := io.ReadAll(newFrameReader(bytes.NewReader(input), limit, "the option"))
		runtime.ReadMemStats(&after)
		if err != io.ErrUnexpectedEOF {
			t.Fatalf("a message cut short: %v, want io.ErrUnexpectedEOF", err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > uint64(4*sent+256<<10) {
			t.Errorf("%d bytes of a %d-byte message made the reader allocate %d bytes", sent, limit, grew)
		}
	}
}
