package procnet

import (
	"os"
	"time"
)

// Options tunes a Tracker. The zero value is ready: procfs from HOST_PROC
// or /proc, a wanted address rescanned every 5 s for a minute, the last 256
// changes of the last hour kept.
type Options struct {
	// Root is where procfs is mounted; "" for HOST_PROC, or /proc.
	Root string
	// WantEvery is the shortest time between two owner scans run because
	// of Want; WantFor is how long a Want lasts after the last call.
	WantEvery, WantFor time.Duration
	// MaxHistory caps the changes kept; HistoryAge drops older ones.
	MaxHistory int
	HistoryAge time.Duration
}

func (o Options) withDefaults() Options {
	if o.Root == "" {
		o.Root = procRoot()
	}
	if o.WantEvery <= 0 {
		o.WantEvery = 5 * time.Second
	}
	if o.WantFor <= 0 {
		o.WantFor = time.Minute
	}
	if o.MaxHistory <= 0 {
		o.MaxHistory = 256
	}
	if o.HistoryAge <= 0 {
		o.HistoryAge = time.Hour
	}
	return o
}

// procRoot is where procfs is mounted: HOST_PROC, as gopsutil and
// collector/host honour it, for a gwtop in a container that watches its
// host.
func procRoot() string {
	if p := os.Getenv("HOST_PROC"); p != "" {
		return p
	}
	return "/proc"
}
