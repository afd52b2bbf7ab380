package ws

import (
	"bufio"
	"encoding/binary"
	"io"
	"math/bits"
)

// An opcode says what a frame carries (RFC 6455 section 5.2).
type opcode byte

const (
	opContinuation opcode = 0x0
	opText         opcode = 0x1
	opBinary       opcode = 0x2
	opClose        opcode = 0x8
	opPing         opcode = 0x9
	opPong         opcode = 0xA
)

// isControl reports whether op is a control frame's: close, ping, pong and
// the reserved 0xB–0xF.
func (op opcode) isControl() bool { return op&0x8 != 0 }

// maxControlPayload is the largest payload a control frame may carry.
const maxControlPayload = 125

// header is a frame's header as sent.
type header struct {
	fin    bool
	rsv    byte // the three reserved bits, in place (0x70); no extension uses them here
	op     opcode
	masked bool
	key    [4]byte
	length int64
}

// maxHeader is the longest header: two bytes, eight of length, four of key.
const maxHeader = 14

// readHeader reads a frame's header. A length that breaks the RFC (its most
// significant bit set, or not in the fewest bytes that hold it) is a
// *CloseError with code 1002; anything else wrong with the header is left
// to the caller, which knows what was negotiated.
func readHeader(br *bufio.Reader) (header, error) {
	var b [8]byte
	if _, err := io.ReadFull(br, b[:2]); err != nil {
		return header{}, err
	}
	h := header{
		fin:    b[0]&0x80 != 0,
		rsv:    b[0] & 0x70,
		op:     opcode(b[0] & 0x0F),
		masked: b[1]&0x80 != 0,
		length: int64(b[1] & 0x7F),
	}
	switch h.length {
	case 126:
		if _, err := io.ReadFull(br, b[:2]); err != nil {
			return header{}, unexpectedEOF(err)
		}
		h.length = int64(binary.BigEndian.Uint16(b[:2]))
		if h.length < 126 {
			return header{}, protocolError(StatusProtocolError, "frame length not in its shortest form")
		}
	case 127:
		if _, err := io.ReadFull(br, b[:8]); err != nil {
			return header{}, unexpectedEOF(err)
		}
		n := binary.BigEndian.Uint64(b[:8])
		if n>>63 != 0 {
			return header{}, protocolError(StatusProtocolError, "frame length with its most significant bit set")
		}
		if n <= 0xFFFF {
			return header{}, protocolError(StatusProtocolError, "frame length not in its shortest form")
		}
		h.length = int64(n)
	}
	if h.masked {
		if _, err := io.ReadFull(br, h.key[:]); err != nil {
			return header{}, unexpectedEOF(err)
		}
	}
	return h, nil
}

// unexpectedEOF says that a stream ended inside a frame.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// appendHeader appends h as sent to b.
func appendHeader(b []byte, h header) []byte {
	b0 := byte(h.op) | h.rsv
	if h.fin {
		b0 |= 0x80
	}
	var b1 byte
	if h.masked {
		b1 = 0x80
	}
	switch {
	case h.length < 126:
		b = append(b, b0, b1|byte(h.length))
	case h.length <= 0xFFFF:
		b = append(b, b0, b1|126)
		b = binary.BigEndian.AppendUint16(b, uint16(h.length))
	default:
		b = append(b, b0, b1|127)
		b = binary.BigEndian.AppendUint64(b, uint64(h.length))
	}
	if h.masked {
		b = append(b, h.key[:]...)
	}
	return b
}

// mask XORs b with key as the bytes at offset pos of a frame's payload
// (masking and unmasking are the same), and returns the offset after b.
func mask(key [4]byte, pos int, b []byte) int {
	k := binary.LittleEndian.Uint32(key[:])
	k = bits.RotateLeft32(k, -8*(pos&3)) // the key as it stands at pos
	if len(b) >= 8 {
		k64 := uint64(k) | uint64(k)<<32
		for len(b) >= 8 {
			binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k64)
			b = b[8:]
			pos += 8
		}
	}
	for i := range b {
		b[i] ^= byte(k)
		k = bits.RotateLeft32(k, -8)
	}
	return pos + len(b)
}
