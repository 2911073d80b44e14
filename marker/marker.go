// Package marker carries an operator's marker ("deploy v2.3 canary") from
// `gwtop mark` to every gwtop running on the host for this user: each one
// listens on a unix socket named by its pid in Dir (owner-only: the
// directory 0700, the socket 0600); a sender connects to every socket
// there, writes one line and reads "ok". A socket nobody listens on is
// stale and removed.
package marker

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxText is the longest marker text kept, in bytes (cut at a rune
// boundary).
const MaxText = 200

// ioTimeout bounds one exchange on a socket, both ways.
const ioTimeout = 2 * time.Second

// Dir is where the sockets are: $XDG_RUNTIME_DIR/gwtop, else
// /tmp/gwtop-$UID.
func Dir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "gwtop")
	}
	return filepath.Join(os.TempDir(), "gwtop-"+strconv.Itoa(os.Getuid()))
}

// Sanitize makes a marker's text safe to keep and draw: control
// characters (C0, C1, escape sequences' introducers, bidi overrides)
// become spaces, runs of spaces one, invalid UTF-8 is replaced, and the
// result is trimmed and cut to MaxText bytes.
func Sanitize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || unicode.IsSpace(r) {
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		if b.Len()+utf8.RuneLen(r) > MaxText {
			break
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimRight(b.String(), " ")
}

// ensureDir makes Dir (0700) and checks it is a directory of ours, not a
// link, so nobody else can read or plant sockets there.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s is not a directory", dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("%s belongs to uid %d, not to us", dir, st.Uid)
	}
	if fi.Mode().Perm() != 0o700 {
		return os.Chmod(dir, 0o700)
	}
	return nil
}

// seq numbers the servers of one process after the first (tests run
// several in one process).
var seq atomic.Int64

// Server receives markers on this process's socket.
type Server struct {
	path string
	ln   *net.UnixListener
	wg   sync.WaitGroup
	once sync.Once
}

// Listen starts a server on Dir/<pid>.sock (<pid>-<n>.sock for a second
// one in the same process); mark is called with each marker's sanitised
// text, from the server's goroutines. Close stops it.
func Listen(mark func(text string)) (*Server, error) {
	dir := Dir()
	if err := ensureDir(dir); err != nil {
		return nil, fmt.Errorf("marker socket directory: %w", err)
	}
	name := strconv.Itoa(os.Getpid())
	if n := seq.Add(1); n > 1 {
		name += "-" + strconv.FormatInt(n, 10)
	}
	path := filepath.Join(dir, name+".sock")
	// A socket left by a process that had our pid before is stale.
	if _, err := os.Lstat(path); err == nil && stale(path) {
		os.Remove(path)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("marker socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("marker socket: %w", err)
	}
	s := &Server{path: path, ln: ln}
	s.wg.Go(func() { s.serve(mark) })
	return s, nil
}

// Path is the server's socket.
func (s *Server) Path() string { return s.path }

func (s *Server) serve(mark func(string)) {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // EMFILE and the like: do not spin
			continue
		}
		s.wg.Go(func() { handle(c, mark) })
	}
}

// handle reads one line (at most MaxText*4 bytes before it is cut) and
// answers "ok".
func handle(c net.Conn, mark func(string)) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioTimeout))
	r := bufio.NewReaderSize(c, 4*MaxText+2)
	line, err := r.ReadSlice('\n')
	if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		return
	}
	text := Sanitize(string(line))
	if text == "" {
		fmt.Fprint(c, "empty\n")
		return
	}
	mark(text)
	fmt.Fprint(c, "ok\n")
}

// Close stops listening, removes the socket and waits for the exchanges
// under way.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		err = s.ln.Close() // removes the socket (unlink on close)
		s.wg.Wait()
	})
	return err
}

// stale says whether nobody listens on the socket at path.
func stale(path string) bool {
	c, err := net.DialTimeout("unix", path, ioTimeout)
	if err == nil {
		c.Close()
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// Result is what Send did.
type Result struct {
	Dir      string
	Received int     // gwtops that answered ok
	Stale    int     // sockets nobody listened on, removed
	Failed   []error // sockets that did not answer
}

// Send delivers text (sanitised) to every gwtop listening in Dir.
func Send(ctx context.Context, text string) (Result, error) {
	res := Result{Dir: Dir()}
	text = Sanitize(text)
	if text == "" {
		return res, errors.New("the marker's text is empty")
	}
	entries, err := os.ReadDir(res.Dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return res, err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sock") || e.Type()&os.ModeSocket == 0 {
			continue
		}
		path := filepath.Join(res.Dir, e.Name())
		err := send(ctx, path, text)
		switch {
		case err == nil:
			res.Received++
		case errors.Is(err, syscall.ECONNREFUSED):
			if os.Remove(path) == nil {
				res.Stale++
			}
		case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ENOENT):
			// gone between the listing and the dial: it closed
		default:
			res.Failed = append(res.Failed, fmt.Errorf("%s: %w", e.Name(), err))
		}
	}
	return res, nil
}

func send(ctx context.Context, path, text string) error {
	ctx, cancel := context.WithTimeout(ctx, ioTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return err
	}
	defer c.Close()
	dl, _ := ctx.Deadline()
	c.SetDeadline(dl)
	if _, err := fmt.Fprintf(c, "%s\n", text); err != nil {
		return err
	}
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("no answer: %w", err)
	}
	if reply != "ok\n" {
		return fmt.Errorf("answered %q", strings.TrimSpace(reply))
	}
	return nil
}
