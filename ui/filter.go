package ui

import (
	"strings"

	"github.com/gwtop/gwtop/model"
)

// matches reports whether an upstream fits the filter: a case-insensitive
// substring of its name, address, group or any of its cause codes. query
// must already be lower-case.
func matches(u *model.Upstream, query string) bool {
	if query == "" {
		return true
	}
	if containsFold(u.Name, query) || containsFold(u.Address, query) || containsFold(u.Group, query) || containsFold(u.Gateway, query) {
		return true
	}
	for i := range u.Causes {
		if containsFold(string(u.Causes[i].Code), query) {
			return true
		}
	}
	return false
}

// containsFold avoids allocating a lower-cased copy for the common ASCII case.
func containsFold(s, lowerQuery string) bool {
	if len(lowerQuery) > len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.Contains(strings.ToLower(s), lowerQuery)
		}
	}
	return strings.Contains(s, lowerQuery)
}
