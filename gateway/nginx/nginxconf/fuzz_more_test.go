package nginxconf

import (
	"bytes"
	"testing"
)

// FuzzParseDump: any `nginx -T` output, never a panic; every listed file
// reads back, once, holding only bytes of the dump; loading the main file
// from it (includes resolved in the dump) never panics either.
func FuzzParseDump(f *testing.F) {
	for _, s := range []string{
		"",
		"nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n# configuration file /etc/nginx/nginx.conf:\nevents {}\nhttp { include /etc/nginx/conf.d/*.conf; }\n\n# configuration file /etc/nginx/conf.d/a.conf:\nserver { listen 80; location / { proxy_pass http://127.0.0.1:8080; } }\n\n",
		"# configuration file /a:\n# configuration file /a:\nx;\n",
		"# configuration file :\n",
		"# configuration file /x:\r\ninclude /x;\r\n",
		"# configuration file /m:\ninclude /m;\n",
		"# configuration file /m:\nhttp { include /*; }\n# configuration file /n:\nserver {\n",
		"# configuration file [:\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		d := ParseDump(out)
		seen := map[string]bool{}
		total := 0
		for _, p := range d.Files() {
			if seen[p] {
				t.Fatalf("%q listed twice", p)
			}
			seen[p] = true
			b, err := d.ReadFile(p)
			if err != nil {
				t.Fatalf("listed %q does not read: %v", p, err)
			}
			if !bytes.Contains(out, b) {
				t.Fatalf("%q holds bytes that are not in the dump", p)
			}
			total += len(b)
		}
		if total > len(out) {
			t.Fatalf("files hold %d bytes of a %d-byte dump", total, len(out))
		}
		_, _ = d.Glob("*")
		_, _ = d.Glob("[")
		if fs := d.Files(); len(fs) > 0 {
			_, _ = Load(d, fs[0], "/etc/nginx")
		}
	})
}
