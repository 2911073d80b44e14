//go:build !linux

package procnet

import (
	"errors"
	"time"

	"github.com/gwtop/gwtop/facts"
)

// KmsgReader reads the kernel's OOM kills. Outside Linux there is no
// /dev/kmsg: the first Read says so and later ones return nothing.
type KmsgReader struct{ told bool }

// NewKmsgReader returns a reader that finds nothing outside Linux.
func NewKmsgReader(time.Time) *KmsgReader { return &KmsgReader{} }

// OpenKmsgAt returns a reader that finds nothing outside Linux.
func OpenKmsgAt(string, time.Time) *KmsgReader { return &KmsgReader{} }

// Read returns an error the first time and nothing after.
func (r *KmsgReader) Read() ([]facts.OOMKill, error) {
	if r.told {
		return nil, nil
	}
	r.told = true
	return nil, errors.New("procnet: the kernel log needs Linux /dev/kmsg")
}

// Kills returns nothing outside Linux.
func (r *KmsgReader) Kills() []facts.OOMKill { return nil }

// Close does nothing outside Linux.
func (r *KmsgReader) Close() error { return nil }

// BootTime is unknown outside Linux.
func BootTime() (time.Time, error) { return time.Time{}, errors.New("procnet: needs Linux") }
