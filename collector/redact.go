package collector

import (
	"net/url"
	"strings"
)

// redactErr renders err with every trace of the credentials in raw (a URL
// that may carry user:password) replaced by shown, so a status page's
// password never reaches the screen, a log or JSON.
func redactErr(err error, raw, shown string) string {
	msg := err.Error()
	msg = strings.ReplaceAll(msg, raw, shown)
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}
