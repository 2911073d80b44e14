package apache

import (
	"github.com/gwtop/gwtop/collector/feed"
	"github.com/gwtop/gwtop/model"
)

// reloadIDs are the parent's lines of a restart or a graceful stop, at
// [notice] (httpd's server/mpm/event/event.c and worker.c, AH00492–AH00494;
// prefork.c, AH00171 and AH00173):
//
//	AH00493: SIGUSR1 received.  Doing graceful restart     (apachectl graceful)
//	AH00494: SIGHUP received.  Attempting to restart       (apachectl restart)
//	AH00492: caught SIGWINCH, shutting down gracefully     (apachectl graceful-stop)
//	AH00171: Graceful restart requested, doing restart     (prefork)
//	AH00173: SIGHUP received.  Attempting to restart       (prefork)
//
// "AH00489: … configured -- resuming normal operations" follows a start
// and a restart alike and is not an event of its own.
var reloadIDs = map[string]string{
	"AH00493": "Apache httpd reloaded its configuration: graceful restart",
	"AH00171": "Apache httpd reloaded its configuration: graceful restart",
	"AH00494": "Apache httpd restarted (SIGHUP): its connections were closed",
	"AH00173": "Apache httpd restarted (SIGHUP): its connections were closed",
	"AH00492": "Apache httpd is stopping gracefully (SIGWINCH)",
}

// reloadSource is the events' Source.
const reloadSource = "apache error_log"

// observeReload reports r to sink as a reload event when it is one of
// reloadIDs, and says whether it was. The text is gwtop's own, the line's
// message (bounded, sanitised) in brackets.
func observeReload(r *ErrorRecord, sink feed.Sink) bool {
	text, ok := reloadIDs[r.ID]
	if !ok || (r.Level != "" && r.Level != "notice") {
		return false
	}
	text += " (" + r.ID + ": " + shortText(r.Message) + ")"
	sink.ObserveEvent(model.Event{Time: r.Time, Kind: model.EventReload, Name: text, Text: text, Source: reloadSource})
	return true
}

// shortText is s with control characters replaced and at most 80 bytes.
func shortText(s string) string {
	b := make([]rune, 0, len(s))
	n := 0
	for _, c := range s {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c == 0xfffd {
			c = '?'
		}
		if n += len(string(c)); n > 80 {
			break
		}
		b = append(b, c)
	}
	return string(b)
}
