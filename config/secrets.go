package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"syscall"

	"github.com/gwtop/gwtop/redact"
)

// Secrets on the command line are visible to every user of the host in
// ps and /proc/PID/cmdline. Three ways keep them out, and all three work
// for flags as for the file:
//
//   - ${VAR} in a flag value, expanded from the environment as the file's
//     values are (single-quoted, so that the shell leaves it alone):
//     --nginx-status 'http://gwtop:${NGINX_PW}@127.0.0.1/status';
//   - --secret-file VAR=FILE, which defines ${VAR} as the content of FILE
//     (a Docker or Kubernetes secret, a systemd credential, a file of mode
//     0600) for the flags and for the configuration file;
//   - a configuration file with ${VAR} in it.

// MaxSecretFile is the largest file --secret-file reads: a password or a
// token, not a document.
const MaxSecretFile = 64 << 10

var secretVar = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// secretFiles is the --secret-file flag: VAR=FILE, repeatable.
type secretFiles []string

func (s *secretFiles) String() string { return strings.Join(*s, ",") }
func (s *secretFiles) Type() string   { return "VAR=FILE" }
func (s *secretFiles) Set(v string) error {
	name, path, ok := strings.Cut(v, "=")
	if !ok || !secretVar.MatchString(name) || path == "" {
		return fmt.Errorf("want VAR=FILE (a variable name of letters, digits and _, then the file's path), got %q", v)
	}
	*s = append(*s, v)
	return nil
}

// readSecrets reads every --secret-file into a map VAR → value. A file
// that cannot be read, is not a regular file, is empty, is larger than
// MaxSecretFile or holds more than one line is an error naming the flag,
// the variable and the file — never its content.
func readSecrets(files []string) (map[string]string, error) {
	out := map[string]string{}
	var errs Errors
	for _, f := range files {
		name, path, _ := strings.Cut(f, "=")
		v, err := ReadSecretFile(path)
		if err != nil {
			errs = append(errs, &Error{Field: "--secret-file " + name, Msg: err.Error()})
			continue
		}
		out[name] = v
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// ReadSecretFile returns the secret a file holds: its content without the
// line break that ends it. It opens without blocking (a FIFO or a device
// is refused, not waited on) and reads at most MaxSecretFile bytes. Its
// errors name the file, never a byte of the content.
func ReadSecretFile(path string) (string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", fmt.Errorf("%s: %v", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s: not a regular file (%s): give a file that holds the secret", path, fileKind(st.Mode()))
	}
	if st.Size() > MaxSecretFile {
		return "", fmt.Errorf("%s: %d bytes, more than a secret (%d bytes at most)", path, st.Size(), MaxSecretFile)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSecretFile+1))
	if err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	if len(data) > MaxSecretFile {
		return "", fmt.Errorf("%s: more than a secret (%d bytes at most)", path, MaxSecretFile)
	}
	s := string(data)
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	switch {
	case s == "":
		return "", fmt.Errorf("%s: empty: the file must hold the secret", path)
	case strings.ContainsAny(s, "\r\n"):
		return "", fmt.Errorf("%s: more than one line: the file must hold the secret alone", path)
	}
	return s, nil
}

// fileKind names what a non-regular file is, for errors.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}

// withSecrets is lookup with the --secret-file variables first: a file
// given on the command line wins over the environment.
func withSecrets(secrets map[string]string, lookup func(string) (string, bool)) func(string) (string, bool) {
	if len(secrets) == 0 {
		return lookup
	}
	return func(name string) (string, bool) {
		if v, ok := secrets[name]; ok {
			return v, true
		}
		if lookup == nil {
			return "", false
		}
		return lookup(name)
	}
}

// expandFlag expands ${VAR} in a flag's value as the file's values are
// expanded; its error names the flag.
func expandFlag(flag, value string, lookup func(string) (string, bool)) (string, *Error) {
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	out, err := expandEnv(value, lookup)
	if err != nil {
		return "", &Error{Field: flag, Msg: err.Error()}
	}
	return out, nil
}

// secretWords mark a variable whose value is a secret by its name
// (HAPROXY_PASSWORD, NGINX_PW, API_TOKEN …): errors mask its value.
var secretWords = regexp.MustCompile(`(?i)PASS|PW|SECRET|TOKEN|KEY|AUTH|CRED`)

func secretName(name string) bool { return secretWords.MatchString(name) }

// hideSecrets masks in err the secret values ${VAR} expanded (from
// --secret-file, or a variable named as a secret), in every form
// redact.Redactor knows, and the parts of each between '/', '#' and '?':
// a password holding one of them unescaped breaks its URL there, and
// net/url's error quotes the part before it as a port.
func hideSecrets(err error, values []string) error {
	if len(values) == 0 {
		return err
	}
	var forms []string
	for _, v := range values {
		forms = append(forms, v)
		for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == '/' || r == '#' || r == '?' }) {
			if len(part) >= 4 {
				forms = append(forms, part)
			}
		}
	}
	r := redact.New(forms...)
	var errs Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			e.Field, e.Msg = r.String(e.Field), r.String(e.Msg)
		}
		return err
	}
	if s := r.String(err.Error()); s != err.Error() {
		return maskedError{msg: s, err: err}
	}
	return err
}

// maskedError is an error whose text had a secret masked; it unwraps to
// the original.
type maskedError struct {
	msg string
	err error
}

func (e maskedError) Error() string { return e.msg }
func (e maskedError) Unwrap() error { return e.err }
