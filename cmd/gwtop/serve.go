package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/exporter-toolkit/web"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gwtop/gwtop/collector"
	"github.com/gwtop/gwtop/export"
	"github.com/gwtop/gwtop/model"
)

// defaultListen is gwtop serve's address: loopback, so an agent is
// reachable from beyond the host only when an address says so.
const defaultListen = "127.0.0.1:9922"

// tokenEnv holds the bearer token gwtop serve (and --listen) require,
// when set; --bearer-token-file reads it from a file instead.
const tokenEnv = "GWTOP_SERVE_TOKEN"

// webFlags say how gwtop serves its HTTP endpoints: the address, the
// exporter-toolkit web configuration (TLS and basic auth), a bearer token.
type webFlags struct {
	listen    string
	webConfig string
	tokenFile string
}

func (f *webFlags) register(fs *pflag.FlagSet, def string) {
	what := "serve /metrics, /api/v1/snapshot and /healthz on ADDRESS while the screen runs (e.g. 127.0.0.1:9922; port 0 picks a free one)"
	if def != "" {
		what = "serve /metrics, /api/v1/snapshot and /healthz on ADDRESS (loopback unless an address says otherwise; port 0 picks a free one)"
	}
	fs.StringVar(&f.listen, "listen", def, what)
	fs.StringVar(&f.webConfig, "web-config-file", "", "exporter-toolkit web configuration FILE: tls_server_config (cert_file, key_file), basic_auth_users (bcrypt hashes)")
	fs.StringVar(&f.tokenFile, "bearer-token-file", "", "require 'Authorization: Bearer TOKEN', the token read from FILE (or from $"+tokenEnv+")")
	group(fs, "serve", "listen", "web-config-file", "bearer-token-file")
}

// token is the bearer token required, "" for none.
func (f *webFlags) token() (string, error) {
	if f.tokenFile != "" {
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return "", fmt.Errorf("--bearer-token-file: %w", err)
		}
		t := strings.TrimSpace(string(b))
		if t == "" {
			return "", fmt.Errorf("--bearer-token-file %s: the file is empty", f.tokenFile)
		}
		return t, nil
	}
	return strings.TrimSpace(os.Getenv(tokenEnv)), nil
}

// server is gwtop's HTTP endpoints on a bound listener.
type server struct {
	addr net.Addr
	tls  bool
	srv  *http.Server
	// stopped is closed when serving ended; err says why (nil or
	// http.ErrServerClosed after Close).
	stopped chan struct{}
	err     error
}

// URL is where the server answers, for the log line and tests.
func (s *server) URL() string {
	scheme := "http"
	if s.tls {
		scheme = "https"
	}
	return scheme + "://" + s.addr.String()
}

// Close stops serving: no new connection, open ones given a second.
func (s *server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
	}
	<-s.stopped
	if s.err != nil && !errors.Is(s.err, http.ErrServerClosed) {
		return s.err
	}
	return err
}

// startServer listens on f.listen and serves latest's snapshots: /metrics
// (Prometheus text, OpenMetrics or protobuf as the scraper asks),
// /api/v1/snapshot (gwtop snapshot --json's document) and /healthz.
func startServer(f webFlags, latest func() *model.Snapshot, stderr io.Writer) (*server, error) {
	if err := web.Validate(f.webConfig); err != nil {
		return nil, usageError(fmt.Sprintf("--web-config-file %s: %v", f.webConfig, err))
	}
	token, err := f.token()
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(export.New(latest, versionString()),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true, ErrorHandling: promhttp.ContinueOnError}))
	mux.HandleFunc("/api/v1/snapshot", func(w http.ResponseWriter, _ *http.Request) {
		s := latest()
		if s == nil {
			http.Error(w, "no snapshot yet", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(s)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		if latest() == nil {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "gwtop agent: /metrics /api/v1/snapshot /healthz")
	})
	var h http.Handler = mux
	if token != "" {
		h = bearer(token, mux)
	}
	l, err := net.Listen("tcp", f.listen)
	if err != nil {
		return nil, fmt.Errorf("--listen %s: %w", f.listen, err)
	}
	s := &server{addr: l.Addr(), tls: usesTLS(f.webConfig), stopped: make(chan struct{}),
		srv: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	go func() {
		defer close(s.stopped)
		s.err = web.Serve(l, s.srv, &web.FlagConfig{WebConfigFile: &f.webConfig}, logger)
	}()
	if !isLoopback(s.addr) && token == "" && f.webConfig == "" {
		fmt.Fprintf(stderr, "gwtop: warning: serving %s beyond loopback with no authentication (--web-config-file, --bearer-token-file)\n", s.addr)
	}
	return s, nil
}

// usesTLS says whether the web configuration names a certificate; a
// configuration that does not parse was refused by web.Validate.
func usesTLS(path string) bool {
	if path == "" {
		return false
	}
	b, err := os.ReadFile(path)
	return err == nil && strings.Contains(string(b), "tls_server_config")
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// bearer requires Authorization: Bearer token on every request.
func bearer(token string, next http.Handler) http.Handler {
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gwtop"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func serveCmd(stdout, stderr io.Writer) *cobra.Command {
	var src sources
	var wf webFlags
	c := &cobra.Command{
		Use:   "serve",
		Short: "headless agent: the same collection as the screen, served as Prometheus /metrics and JSON",
		Long: `Run gwtop's engine without a screen and serve what it sees: /metrics in the Prometheus
exposition format (OpenMetrics, or protobuf with native histograms, when the scraper asks),
/api/v1/snapshot (the document gwtop snapshot --json prints) and /healthz. It listens on
127.0.0.1:9922 unless --listen names another address; --web-config-file takes Prometheus
exporter-toolkit's web configuration (TLS with cert_file/key_file, basic_auth_users with bcrypt
hashes) and $` + tokenEnv + ` or --bearer-token-file a bearer token. It prints the address it
listens on, and stops on SIGINT or SIGTERM. Run one per host and read the fleet back with
gwtop --prometheus URL.`,
		Example: `  gwtop serve                                   # discover the local gateway, serve 127.0.0.1:9922
  gwtop serve -c /etc/gwtop/gwtop.yaml --listen 10.0.0.5:9922 --web-config-file /etc/gwtop/web.yml
  curl -s 127.0.0.1:9922/metrics | promtool check metrics`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := runServe(cmd.Context(), &src, wf, stdout, stderr); err != nil {
				return sanitizedError{err}
			}
			return nil
		},
	}
	src.register(c.Flags())
	wf.register(c.Flags(), defaultListen)
	return c
}

// runServe is gwtop serve: the engine and the endpoints until ctx ends.
func runServe(ctx context.Context, src *sources, wf webFlags, stdout, stderr io.Writer) error {
	if wf.listen == "" {
		return usageError("--listen: want an address such as 127.0.0.1:9922")
	}
	cfg, err := resolveConfig(ctx, src, stderr)
	if err != nil {
		return err
	}
	longRunning()
	eng, err := collector.New(cfg, collector.Options{Export: true})
	if err != nil {
		return err
	}
	srv, err := startServer(wf, eng.Latest, stderr)
	if err != nil {
		return err
	}
	eng.Start(ctx)
	stopMarks := serveMarks(eng.Mark)
	fmt.Fprintf(stdout, "gwtop serve: listening on %s (/metrics, /api/v1/snapshot, /healthz)\n", srv.URL())
	select {
	case <-ctx.Done():
	case <-srv.stopped: // the listener failed: stop with its error
	}
	stopMarks()
	serr := srv.Close()
	eng.Stop()
	if err := eng.Err(); err != nil {
		return err
	}
	return serr
}
