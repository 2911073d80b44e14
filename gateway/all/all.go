// Package all installs every gateway kind gwtop knows: a blank import of
// it registers them all. Adding a kind is its folder and one line here.
package all

import (
	// The gateway kinds; each one's Rank, not this order, says where
	// gwtop lists it.
	_ "github.com/gwtop/gwtop/gateway/apache"
	_ "github.com/gwtop/gwtop/gateway/caddy"
	_ "github.com/gwtop/gwtop/gateway/envoy"
	_ "github.com/gwtop/gwtop/gateway/haproxy"
	_ "github.com/gwtop/gwtop/gateway/nginx"
	_ "github.com/gwtop/gwtop/gateway/traefik"
)
