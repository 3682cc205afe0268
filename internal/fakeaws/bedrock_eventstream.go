package fakeaws

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// The AWS event-stream framing (application/vnd.amazon.eventstream) that
// InvokeModelWithResponseStream answers in. One message is:
//
//	prelude:  total length (uint32) | headers length (uint32) | prelude CRC32 (uint32)
//	headers:  repeated name length (uint8) | name | value type (uint8) | value
//	payload:  bytes
//	trailer:  CRC32 of everything before it (uint32)
//
// All integers big-endian, CRCs IEEE (the SDKs use @aws-crypto/crc32, the
// same polynomial). Only string-valued headers (type 7) are written, which is
// all Bedrock sends; the decoder reads the other types so it can check what an
// SDK would accept.

const (
	esPreludeLen = 12
	esTrailerLen = 4
	// esMaxMessage is the service's limit on one message (16 MiB); the
	// decoder refuses more so a corrupt length cannot make it allocate wildly.
	esMaxMessage = 16 << 20

	esTypeString = 7
)

// EventStreamHeader is one header of an event-stream message; every value
// this package writes is a string.
type EventStreamHeader struct {
	Name  string
	Value string
}

// EventStreamMessage is one decoded event-stream message.
type EventStreamMessage struct {
	Headers []EventStreamHeader
	Payload []byte
}

// Header returns the value of the named header, "" when absent.
func (m EventStreamMessage) Header(name string) string {
	for _, h := range m.Headers {
		if h.Name == name {
			return h.Value
		}
	}
	return ""
}

// EncodeEventStreamMessage frames headers and payload as one event-stream
// message.
func EncodeEventStreamMessage(headers []EventStreamHeader, payload []byte) ([]byte, error) {
	var hdr []byte
	for _, h := range headers {
		if len(h.Name) == 0 || len(h.Name) > 255 {
			return nil, fmt.Errorf("encode event-stream header %q: name must be 1 to 255 bytes", h.Name)
		}
		if len(h.Value) > 0xffff {
			return nil, fmt.Errorf("encode event-stream header %q: value longer than 65535 bytes", h.Name)
		}
		hdr = append(hdr, byte(len(h.Name)))
		hdr = append(hdr, h.Name...)
		hdr = append(hdr, esTypeString)
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(len(h.Value)))
		hdr = append(hdr, h.Value...)
	}
	total := esPreludeLen + len(hdr) + len(payload) + esTrailerLen
	if total > esMaxMessage {
		return nil, fmt.Errorf("encode event-stream message: %d bytes exceeds the 16 MiB limit", total)
	}
	msg := make([]byte, 0, total)
	msg = binary.BigEndian.AppendUint32(msg, uint32(total))
	msg = binary.BigEndian.AppendUint32(msg, uint32(len(hdr)))
	msg = binary.BigEndian.AppendUint32(msg, crc32.ChecksumIEEE(msg[:8]))
	msg = append(msg, hdr...)
	msg = append(msg, payload...)
	msg = binary.BigEndian.AppendUint32(msg, crc32.ChecksumIEEE(msg))
	return msg, nil
}

// ErrEventStreamCRC is returned by ReadEventStreamMessage for a message whose
// prelude or message checksum does not match.
var ErrEventStreamCRC = errors.New("event-stream checksum mismatch")

// ReadEventStreamMessage reads one message from r; io.EOF means r ended
// cleanly between messages.
func ReadEventStreamMessage(r io.Reader) (EventStreamMessage, error) {
	var m EventStreamMessage
	prelude := make([]byte, esPreludeLen)
	if _, err := io.ReadFull(r, prelude); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return m, fmt.Errorf("read event-stream prelude: %w", err)
		}
		return m, err
	}
	total := binary.BigEndian.Uint32(prelude[0:4])
	hdrLen := binary.BigEndian.Uint32(prelude[4:8])
	if crc32.ChecksumIEEE(prelude[:8]) != binary.BigEndian.Uint32(prelude[8:12]) {
		return m, fmt.Errorf("read event-stream prelude: %w", ErrEventStreamCRC)
	}
	if total > esMaxMessage || uint64(total) < uint64(esPreludeLen)+uint64(hdrLen)+esTrailerLen {
		return m, fmt.Errorf("read event-stream message: lengths %d/%d do not fit", total, hdrLen)
	}
	msg := make([]byte, total)
	copy(msg, prelude)
	if _, err := io.ReadFull(r, msg[esPreludeLen:]); err != nil {
		return m, fmt.Errorf("read event-stream message: %w", err)
	}
	body := msg[:total-esTrailerLen]
	if crc32.ChecksumIEEE(body) != binary.BigEndian.Uint32(msg[total-esTrailerLen:]) {
		return m, fmt.Errorf("read event-stream message: %w", ErrEventStreamCRC)
	}
	headers, err := parseEventStreamHeaders(msg[esPreludeLen : esPreludeLen+hdrLen])
	if err != nil {
		return m, err
	}
	m.Headers = headers
	m.Payload = append([]byte(nil), body[esPreludeLen+hdrLen:]...)
	return m, nil
}

// esFixedValueLen is the value size of the fixed-width header types (0 and 1
// are the booleans, which carry no value); types 6 and 7 (bytes, string) have
// a 2-byte length instead.
var esFixedValueLen = map[byte]int{0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}

func parseEventStreamHeaders(b []byte) ([]EventStreamHeader, error) {
	var out []EventStreamHeader
	for len(b) > 0 {
		n := int(b[0])
		if n == 0 || len(b) < 1+n+1 {
			return nil, errors.New("read event-stream headers: truncated header name")
		}
		name := string(b[1 : 1+n])
		typ := b[1+n]
		b = b[2+n:]
		var val []byte
		switch typ {
		case 6, esTypeString:
			if len(b) < 2 {
				return nil, fmt.Errorf("read event-stream header %q: truncated length", name)
			}
			l := int(binary.BigEndian.Uint16(b))
			if len(b) < 2+l {
				return nil, fmt.Errorf("read event-stream header %q: truncated value", name)
			}
			val, b = b[2:2+l], b[2+l:]
		default:
			l, ok := esFixedValueLen[typ]
			if !ok {
				return nil, fmt.Errorf("read event-stream header %q: unknown value type %d", name, typ)
			}
			if len(b) < l {
				return nil, fmt.Errorf("read event-stream header %q: truncated value", name)
			}
			val, b = b[:l], b[l:]
		}
		out = append(out, EventStreamHeader{Name: name, Value: string(val)})
	}
	return out, nil
}
