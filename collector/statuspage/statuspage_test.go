package statuspage

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const (
	urlSecret = "url-s3cret"
	optSecret = "opt-p@ss/w0rd"
)

func TestGet(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Next-Page", "2")
		fmt.Fprint(w, "Active connections: 1")
	})
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok {
			http.Error(w, "no credentials", http.StatusUnauthorized)
			return
		}
		// Echo what was sent, password included, to prove it is
		// scrubbed from every error that quotes the body.
		http.Error(w, "got "+u+":"+p, http.StatusTeapot)
	})
	mux.HandleFunc("/accept", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, r.Header.Get("Accept")) })
	mux.HandleFunc("/401", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusUnauthorized) })
	mux.HandleFunc("/500", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, strings.Repeat("x", 100), http.StatusInternalServerError)
	})
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<p>Welcome to nginx!</p>")
	})
	mux.HandleFunc("/html-as-text", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "\n  <!DOCTYPE html><html></html>")
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, strings.Repeat("x", 2048)) })
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	mux.HandleFunc("/close", func(w http.ResponseWriter, r *http.Request) {
		c, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			c.Close()
		}
	})
	hung := make(chan struct{})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hung:
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(hung)
	host := strings.TrimPrefix(srv.URL, "http://")
	withUser := "http://gwtop:" + urlSecret + "@" + host
	dead := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return ln.Addr().String()
	}()

	type check func(t *testing.T, r *Response)
	status := func(code int) check {
		return func(t *testing.T, r *Response) {
			if r.StatusCode != code {
				t.Errorf("status %d %q, want %d", r.StatusCode, r.Status, code)
			}
		}
	}
	body := func(want string) check {
		return func(t *testing.T, r *Response) {
			if string(r.Body) != want {
				t.Errorf("body %q, want %q", r.Body, want)
			}
		}
	}
	html := func(want bool) check {
		return func(t *testing.T, r *Response) {
			if IsHTML(r) != want {
				t.Errorf("IsHTML = %v, want %v", !want, want)
			}
		}
	}
	for _, tc := range []struct {
		name    string
		url     string
		opt     Options
		timeout time.Duration
		wantErr []string // substrings of Get's error; nil: no error
		checks  []check
	}{
		{name: "200", url: srv.URL + "/ok",
			checks: []check{status(200), body("Active connections: 1"), html(false), func(t *testing.T, r *Response) {
				if r.Header.Get("X-Next-Page") != "2" {
					t.Errorf("header %v", r.Header)
				}
			}}},
		{name: "401", url: srv.URL + "/401", checks: []check{status(401)}},
		{name: "500", url: srv.URL + "/500", opt: Options{MaxBody: 10},
			checks: []check{status(500), body("xxxxxxxxxx"), func(t *testing.T, r *Response) {
				if !r.Truncated {
					t.Error("the body of an error page beyond MaxBody is not marked truncated")
				}
			}}},
		{name: "html by content type", url: srv.URL + "/html", checks: []check{status(200), html(true)}},
		{name: "html by body", url: srv.URL + "/html-as-text", checks: []check{status(200), html(true)}},
		{name: "oversized", url: srv.URL + "/big", opt: Options{MaxBody: 1024},
			wantErr: []string{"test " + srv.URL + "/big: ", "answer larger than 1024 bytes (1 KiB)"}},
		{name: "exactly the cap", url: srv.URL + "/big", opt: Options{MaxBody: 2048}, checks: []check{status(200)}},
		{name: "redirect not followed", url: srv.URL + "/redirect", checks: []check{status(http.StatusFound), func(t *testing.T, r *Response) {
			if r.Header.Get("Location") != "/ok" {
				t.Errorf("Location %q", r.Header.Get("Location"))
			}
		}}},
		{name: "connection closed", url: withUser + "/close?token=t0ken", wantErr: []string{"test " + srv.URL + "/close: ", "EOF"}},
		{name: "hung server", url: withUser + "/hang", opt: Options{Password: optSecret}, timeout: 100 * time.Millisecond,
			wantErr: []string{"test " + srv.URL + "/hang: ", "deadline exceeded"}},
		{name: "refused", url: "http://gwtop:" + urlSecret + "@" + dead + "/x", opt: Options{Username: "u", Password: optSecret},
			wantErr: []string{"test http://" + dead + "/x: ", "refused"}},
		{name: "bad URL", url: "http://gwtop:" + urlSecret + "@[::1/x", wantErr: []string{"test http://xxxxx@[::1/x: "}},
		{name: "basic auth from options", url: srv.URL + "/auth", opt: Options{Username: "admin", Password: optSecret},
			checks: []check{status(http.StatusTeapot), body("got admin:" + optSecret + "\n")}},
		{name: "basic auth from URL", url: withUser + "/auth", checks: []check{status(http.StatusTeapot), body("got gwtop:" + urlSecret + "\n")}},
		{name: "options win over URL", url: withUser + "/auth", opt: Options{Username: "admin", Password: optSecret},
			checks: []check{status(http.StatusTeapot), body("got admin:" + optSecret + "\n")}},
		{name: "accept", url: srv.URL + "/accept", opt: Options{Accept: "application/json"}, checks: []check{body("application/json")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			r, err := New("test", tc.opt).Get(ctx, tc.url)
			if tc.wantErr != nil {
				if err == nil {
					t.Fatalf("no error, want one with %q", tc.wantErr)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				noSecrets(t, err.Error())
				t.Logf("error: %v", err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.checks {
				c(t, r)
			}
			// Every error built from the answer, even one quoting a
			// body that echoes the password, is scrubbed and prefixed.
			for _, e := range []error{r.Refused("hint " + string(r.Body)), r.NotOK("with " + string(r.Body)), r.Errorf("%s", r.Body)} {
				noSecrets(t, e.Error())
				if !strings.HasPrefix(e.Error(), "test "+Shown(tc.url)+": ") {
					t.Errorf("error %q lacks the prefix", e)
				}
			}
		})
	}
}

func noSecrets(t *testing.T, msg string) {
	t.Helper()
	for _, s := range []string{urlSecret, optSecret, "opt-p%40ss", "gwtop:", "token"} {
		if strings.Contains(msg, s) {
			t.Errorf("error %q contains %q", msg, s)
		}
	}
}

func TestStatusErrors(t *testing.T) {
	r := &Response{StatusCode: 401, Status: "401 Unauthorized", prefix: "haproxy stats http://h/stats;csv: ", red: newRedactor("http://h/stats;csv", "", "http://h/stats;csv")}
	if got, want := r.Refused("set haproxy.username").Error(), "haproxy stats http://h/stats;csv: HTTP 401 Unauthorized — set haproxy.username"; got != want {
		t.Errorf("Refused: %q, want %q", got, want)
	}
	r.StatusCode, r.Status = 500, "500 Internal Server Error"
	if got, want := r.NotOK("with the stats CSV").Error(), "haproxy stats http://h/stats;csv: HTTP 500 Internal Server Error (want 200 with the stats CSV)"; got != want {
		t.Errorf("NotOK: %q, want %q", got, want)
	}
}

func TestShown(t *testing.T) {
	for in, want := range map[string]string{
		"http://u:p@h:1/a;csv?x=1#f": "http://h:1/a;csv",
		"https://h/":                 "https://h/",
		"http://u:p@[::1/x":          "http://xxxxx@[::1/x",
	} {
		if got := Shown(in); got != want {
			t.Errorf("Shown(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBaseURL(t *testing.T) {
	for _, c := range []struct {
		in, want, err string
		hostPort      bool
	}{
		{"localhost:2019", "http://localhost:2019", "", true},
		{"localhost:2019", "", "want an http:// or https:// URL", false},
		{"unix:/run/caddy.sock", "", "unix sockets are not supported", true},
		{" http://127.0.0.1:9901/ ", "http://127.0.0.1:9901", "", false},
		{"https://u:pw@h:8080/api/?x=1#f", "https://u:pw@h:8080/api", "", false},
		{"", "", "empty address", false},
		{"ftp://h/", "", "want an http:// or https:// URL", false},
		{"http://", "", "want an http:// or https:// URL", false},
		{"http://u:s3cret@h:bad/", "", "label", false},
	} {
		u, err := BaseURL("label", c.in, "http://127.0.0.1:1", c.hostPort)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("%q: err %v, want one containing %q and no password", c.in, err, c.err)
			}
		case err != nil || u.String() != c.want:
			t.Errorf("%q: %v %v, want %s", c.in, u, err, c.want)
		}
	}
}
