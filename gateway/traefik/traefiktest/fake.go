// Package traefiktest serves the reference's recorded Traefik API fixtures
// from a loopback httptest server, so the API reader can be tested end to
// end where Traefik itself cannot be installed.
package traefiktest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// ServicesJSON is pkg/api/testdata/services.json from traefik/traefik, as
// quoted by the reference (§6): one load balancer with a server on the
// default port and no health check, and a weighted service.
const ServicesJSON = `[
  {"loadBalancer":{"passHostHeader":true,"servers":[{"url":"http://127.0.0.1"}]},
   "name":"bar@myprovider","provider":"myprovider",
   "serverStatus":{"http://127.0.0.1":"UP"},
   "status":"enabled","type":"loadbalancer","usedBy":["foo@myprovider","test@myprovider"]},
  {"name":"canary@myprovider","provider":"myprovider","status":"enabled","type":"weighted",
   "usedBy":["foo@myprovider"],"weighted":{"sticky":{"cookie":{"httpOnly":true,"name":"chocolat","secure":true}}}}
]`

// AppService is real API output from traefik/traefik#5503: a health-checked
// service with one server.
const AppService = `{"loadBalancer":{"servers":[{"url":"http://172.17.0.1:3000"}],"healthCheck":{"path":"/health","timeout":"2s"},"passHostHeader":false},"status":"enabled","usedBy":["app@file"],"serverStatus":{"http://172.17.0.1:3000":"UP"},"name":"app@file","provider":"file","type":"loadbalancer"}`

// apiService is illustrative, built on AppService's shape: a health-checked
// service of two servers (one IPv6) whose status the test server flips.
const apiService = `{"loadBalancer":{"servers":[{"url":"http://127.0.0.1:9001"},{"url":"http://[::1]:9002"}],"healthCheck":{"path":"/health","interval":"1s"}},"status":"enabled","usedBy":["api@docker"],"serverStatus":{"http://127.0.0.1:9001":"%[1]s","http://[::1]:9002":"%[1]s"},"name":"api@docker","provider":"docker","type":"loadbalancer"}`

// webService is illustrative: one server DOWN, one UP (https, default port).
const webService = `{"loadBalancer":{"servers":[{"url":"http://10.0.0.1:8080"},{"url":"https://10.0.0.2"}],"healthCheck":{"path":"/ping"}},"status":"enabled","serverStatus":{"http://10.0.0.1:8080":"DOWN","https://10.0.0.2":"UP"},"name":"web@file","provider":"file","type":"loadbalancer"}`

// OverviewJSON is pkg/api/testdata/overview-dynamic.json, abridged as in
// the reference.
const OverviewJSON = `{"features":{"accessLog":false,"metrics":"","tracing":""},
 "http":{"middlewares":{"errors":1,"total":3,"warnings":0},"routers":{"errors":1,"total":3,"warnings":1},"services":{"errors":1,"total":3,"warnings":1}},
 "tcp":{"routers":{"errors":1,"total":3,"warnings":1},"services":{"errors":1,"total":3,"warnings":1}},
 "udp":{"routers":{"errors":0,"total":0,"warnings":0},"services":{"errors":0,"total":0,"warnings":0}}}`

// Page2 returns the second page of services: AppService, webService and
// apiService with both servers in the given state ("UP" or "DOWN").
func Page2(apiState string) string {
	return "[" + AppService + ",\n" + webService + ",\n" + fmt.Sprintf(apiService, apiState) + "]"
}

// Mode is how the server answers.
type Mode int

// Modes of the fake API.
const (
	OK           Mode = iota // the fixtures
	HTML                     // a web page, as a wrong port or a login portal answers
	Garbage                  // neither JSON nor HTML
	Unauthorized             // 401 with a WWW-Authenticate challenge
	EndlessPages             // services pages that always name a next one
)

// Server is a fake Traefik API on 127.0.0.1.
type Server struct {
	URL string

	mu        sync.Mutex
	mode      Mode
	user      string
	pass      string
	downAfter int
	scrapes   int
	pages     int
}

// Options configure a Server.
type Options struct {
	Mode Mode
	// Username and Password, when set, are required as basic auth.
	Username, Password string
	// DownAfter is how many scrapes (first pages of the service list) see
	// api@docker's servers UP before they turn DOWN; 0 means DOWN at once.
	DownAfter int
}

// Start starts a fake API closed at the end of the test.
func Start(t testing.TB, o Options) *Server {
	s := &Server{mode: o.Mode, user: o.Username, pass: o.Password, downAfter: o.DownAfter}
	hs := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	return s
}

// SetMode changes how the server answers from now on.
func (s *Server) SetMode(m Mode) {
	s.mu.Lock()
	s.mode = m
	s.mu.Unlock()
}

// Pages reports how many service-list pages were served.
func (s *Server) Pages() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pages
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.user != "" {
		u, p, ok := r.BasicAuth()
		if !ok || u != s.user || p != s.pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="traefik"`)
			http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
			return
		}
	}
	switch s.mode {
	case HTML:
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Traefik</title></head><body><div id=q-app></div></body></html>\n")
		return
	case Garbage:
		fmt.Fprint(w, "\x00\x01 this is not json {{{")
		return
	case Unauthorized:
		w.Header().Set("WWW-Authenticate", `Basic realm="traefik"`)
		http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/api/overview":
		fmt.Fprint(w, OverviewJSON)
	case "/api/http/services":
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page < 1 {
			page = 1
		}
		s.pages++
		if s.mode == EndlessPages {
			w.Header().Set("X-Next-Page", strconv.Itoa(page+1))
			fmt.Fprint(w, "[]")
			return
		}
		switch page {
		case 1:
			s.scrapes++
			w.Header().Set("X-Next-Page", "2")
			fmt.Fprint(w, ServicesJSON)
		case 2:
			// Traefik names page 1 as the next page of the last one.
			w.Header().Set("X-Next-Page", "1")
			state := "UP"
			if s.scrapes > s.downAfter {
				state = "DOWN"
			}
			fmt.Fprint(w, Page2(state))
		default:
			http.Error(w, fmt.Sprintf("invalid request: page: %d, per_page: 100", page), http.StatusBadRequest)
		}
	default:
		http.Error(w, strings.TrimSpace("404 page not found"), http.StatusNotFound)
	}
}
