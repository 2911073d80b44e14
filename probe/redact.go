package probe

import "strings"

// Credentials from a target URL must never reach a ProbeResult: results end
// up on screen, in JSON snapshots and in bug reports. The request itself is
// built without userinfo (basic auth goes into the header), so net/http's
// errors normally quote a clean URL; these helpers are the second line of
// defence for texts that might still carry one.

// redact removes the userinfo of every scheme://user:pass@host URL in s. The
// authority ends at the first '/', '?', '#', quote or space, as it does for
// the well-formed URLs that net/http prints.
func redact(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+3])
		s = s[i+3:]
		end := strings.IndexAny(s, "/?#\"' \t\r\n")
		if end < 0 {
			end = len(s)
		}
		if at := strings.LastIndexByte(s[:end], '@'); at >= 0 {
			s = s[at+1:]
		}
	}
}

// redactInvalid strips credentials from a URL that may not even parse. It is
// stricter than redact: everything between "://" and the last '@' goes,
// because in a malformed URL we cannot tell where the authority ends (a
// password may hold a '/').
func redactInvalid(raw string) string {
	at := strings.LastIndexByte(raw, '@')
	if at < 0 {
		return raw
	}
	if i := strings.Index(raw, "://"); i >= 0 && i < at {
		return raw[:i+3] + raw[at+1:]
	}
	return raw[at+1:]
}
