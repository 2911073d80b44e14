// Package record keeps what gwtop saw — its published model.Snapshots and
// their events — in a compact file (Writer), and reads it back at any
// moment of the recording (Reader, Player), so an incident can be replayed
// with the same screen and the same diagnosis as it had live.
//
// A file is a header and a sequence of frames, each length-prefixed and
// checksummed so that a file torn by a kill mid-write replays up to its
// last whole frame. Snapshot frames are grouped in blocks: a full snapshot
// starts one zstd stream and the deltas after it continue it, the stream
// flushed at the end of every frame, so seeking to a time decodes only from
// the block's full snapshot.
package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"
)

// magic opens every recording; the last two bytes are the format version.
const magic = "GWTOPREC\x00\x02"

// Frame kinds.
const (
	kindFull  byte = 'F' // a whole snapshot; starts a new zstd stream (a block)
	kindDelta byte = 'D' // a snapshot as changes to the previous one, same stream
	kindEvent byte = 'E' // one model.Event seen for the first time, plain JSON, for the index
)

// headerLen is a frame's header: kind, time (unix ns), payload length,
// decoded length, CRC-32C of the header's first 17 bytes and the payload.
const headerLen = 1 + 8 + 4 + 4 + 4

// Limits a reader holds a frame to, whatever its header claims: a hostile
// or corrupt length never makes it allocate more.
const (
	maxPayload = 16 << 20
	maxDecoded = 64 << 20
)

// zstdWindow is the compression window: the previous versions of every
// row of a large gateway stay within reach.
const zstdWindow = 8 << 20

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// frameHeader is a frame as its header states it.
type frameHeader struct {
	kind       byte
	time       time.Time
	payloadLen int
	decodedLen int
}

// encodeFrame returns the frame's bytes: header then payload, one slice so
// that it goes to the file in one write.
func encodeFrame(kind byte, t time.Time, payload []byte, decodedLen int) []byte {
	b := make([]byte, headerLen+len(payload))
	b[0] = kind
	binary.LittleEndian.PutUint64(b[1:9], uint64(t.UnixNano()))
	binary.LittleEndian.PutUint32(b[9:13], uint32(len(payload)))
	binary.LittleEndian.PutUint32(b[13:17], uint32(decodedLen))
	copy(b[headerLen:], payload)
	crc := crc32.Update(crc32.Checksum(b[:17], castagnoli), castagnoli, payload)
	binary.LittleEndian.PutUint32(b[17:21], crc)
	return b
}

var errFrame = errors.New("bad frame")

// parseHeader checks what a header alone can tell.
func parseHeader(h []byte) (frameHeader, uint32, error) {
	fh := frameHeader{
		kind:       h[0],
		time:       time.Unix(0, int64(binary.LittleEndian.Uint64(h[1:9]))),
		payloadLen: int(binary.LittleEndian.Uint32(h[9:13])),
		decodedLen: int(binary.LittleEndian.Uint32(h[13:17])),
	}
	crc := binary.LittleEndian.Uint32(h[17:21])
	switch fh.kind {
	case kindFull, kindDelta, kindEvent:
	default:
		return fh, 0, fmt.Errorf("%w: kind %q", errFrame, fh.kind)
	}
	if fh.payloadLen > maxPayload || fh.decodedLen > maxDecoded {
		return fh, 0, fmt.Errorf("%w: lengths %d/%d out of bounds", errFrame, fh.payloadLen, fh.decodedLen)
	}
	if fh.kind == kindEvent && fh.decodedLen != fh.payloadLen {
		return fh, 0, fmt.Errorf("%w: event frame lengths differ", errFrame)
	}
	return fh, crc, nil
}

func checkCRC(h, payload []byte, want uint32) bool {
	return crc32.Update(crc32.Checksum(h[:17], castagnoli), castagnoli, payload) == want
}
