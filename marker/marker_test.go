package marker

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"deploy v2.3 canary":            "deploy v2.3 canary",
		"  a\tb\n\nc  ":                 "a b c",
		"x\x1b[31mred\x1b[0m":           "x [31mred [0m",
		"bidi\u202egnp.exe":             "bidi gnp.exe",
		"\u009bc1":                      "c1",
		"bad\xffutf8":                   "bad\uFFFDutf8",
		"\n\t ":                         "",
		strings.Repeat("é", MaxText):    strings.Repeat("é", MaxText/2),
		strings.Repeat("a", MaxText+50): strings.Repeat("a", MaxText),
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDirDefault(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", "")
	if want := filepath.Join(os.TempDir(), "gwtop-"+strconv.Itoa(os.Getuid())); Dir() != want {
		t.Errorf("Dir() = %q, want %q", Dir(), want)
	}
	t.Setenv("XDG_RUNTIME_DIR", "/run/user/1000")
	if Dir() != "/run/user/1000/gwtop" {
		t.Errorf("Dir() = %q", Dir())
	}
}

// TestSendReachesEveryServer: two servers get the marker, the socket
// directory is 0700 and the sockets 0600, a stale socket is removed, and
// after Close nobody is left.
func TestSendReachesEveryServer(t *testing.T) {
	rt := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", rt)
	got := make(chan string, 4)
	a, err := Listen(func(s string) { got <- "a:" + s })
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Listen(func(s string) { got <- "b:" + s })
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if a.Path() == b.Path() || filepath.Dir(a.Path()) != filepath.Join(rt, "gwtop") {
		t.Fatalf("paths %q %q", a.Path(), b.Path())
	}
	if !strings.HasPrefix(filepath.Base(a.Path()), strconv.Itoa(os.Getpid())) {
		t.Errorf("socket %q is not named by the pid %d", a.Path(), os.Getpid())
	}
	if fi, err := os.Stat(filepath.Join(rt, "gwtop")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, %v", fi.Mode(), err)
	}
	for _, p := range []string{a.Path(), b.Path()} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 || fi.Mode()&os.ModeSocket == 0 {
			t.Errorf("%s: mode %v, %v", p, fi.Mode(), err)
		}
	}
	// A stale socket: bound, then its listener closed without unlinking.
	stalePath := filepath.Join(rt, "gwtop", "999999.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: stalePath, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	// Not a socket: left alone.
	other := filepath.Join(rt, "gwtop", "notes.sock")
	if err := os.WriteFile(other, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}

	res, err := Send(context.Background(), "deploy\tv2.3\x1b canary\n")
	if err != nil {
		t.Fatal(err)
	}
	if res.Received != 2 || res.Stale != 1 || len(res.Failed) != 0 {
		t.Errorf("result %+v, want 2 received, 1 stale", res)
	}
	seen := map[string]bool{<-got: true, <-got: true}
	if !seen["a:deploy v2.3 canary"] || !seen["b:deploy v2.3 canary"] {
		t.Errorf("received %v", seen)
	}
	if _, err := os.Lstat(stalePath); !os.IsNotExist(err) {
		t.Errorf("stale socket still there: %v", err)
	}
	if _, err := os.Lstat(other); err != nil {
		t.Errorf("a file that is no socket was removed: %v", err)
	}

	a.Close()
	b.Close()
	if _, err := os.Lstat(a.Path()); !os.IsNotExist(err) {
		t.Errorf("socket left after Close: %v", err)
	}
	res, err = Send(context.Background(), "again")
	if err != nil || res.Received != 0 {
		t.Errorf("after Close: %+v, %v", res, err)
	}
}

func TestSendNobodyAndEmpty(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	res, err := Send(context.Background(), "x")
	if err != nil || res.Received != 0 || res.Stale != 0 {
		t.Errorf("no directory: %+v, %v", res, err)
	}
	if _, err := Send(context.Background(), " \x07\n"); err == nil {
		t.Error("an empty marker was sent")
	}
}

// TestListenFixesModeAndRefusesLink: a directory made too open is made
// 0700; a symlink in its place is refused.
func TestListenFixesModeAndRefusesLink(t *testing.T) {
	rt := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", rt)
	if err := os.Mkdir(filepath.Join(rt, "gwtop"), 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(rt, "gwtop"), 0o777)
	s, err := Listen(func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if fi, _ := os.Stat(filepath.Join(rt, "gwtop")); fi.Mode().Perm() != 0o700 {
		t.Errorf("mode %v", fi.Mode())
	}
	rt2 := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", rt2)
	if err := os.Symlink(rt, filepath.Join(rt2, "gwtop")); err != nil {
		t.Fatal(err)
	}
	if s, err := Listen(func(string) {}); err == nil {
		s.Close()
		t.Error("listened through a symlinked directory")
	}
}
