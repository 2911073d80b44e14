package ui

// keptLines keeps the lines one frame drew, by what each shows, so that
// the next frame draws only the new ones: a snapshot's rows never change,
// and the one the aggregator hands back under the next second (nothing
// new) shares them, so an idle screen draws none of them again. Only the
// last frame's lines are kept, so it stays the size of the screen. A nil
// keptLines draws every line.
type keptLines[K comparable] struct {
	width     int
	last, cur map[K]string
}

// frame starts a frame at width cells; the last frame's lines are drawn
// again only at the same width, and when reuse holds (what else they were
// drawn with, the table's columns say, has not changed). A theme change
// drops them by zeroing the keptLines.
func (k *keptLines[K]) frame(width int, reuse bool) {
	if k == nil {
		return
	}
	k.last = nil
	if reuse && width == k.width {
		k.last = k.cur
	}
	k.width, k.cur = width, make(map[K]string, len(k.last))
}

// line is key's line: the one the last frame drew, or draw's.
func (k *keptLines[K]) line(key K, draw func() string) string {
	if k == nil {
		return draw()
	}
	l, ok := k.last[key]
	if !ok {
		l = draw()
	}
	k.cur[key] = l
	return l
}

// done ends a frame: the lines of the frame before are let go, and with
// them the snapshot they were drawn from (its thousand rows outlived it
// until the next frame).
func (k *keptLines[K]) done() {
	if k != nil {
		k.last = nil
	}
}
