package apache

import (
	"slices"
	"testing"

	"github.com/gwtop/gwtop/config/discover"
)

// TestCmdline: httpd's -d, -f and -D, attached or not, among other flags.
func TestCmdline(t *testing.T) {
	c := cmdlineOf(discover.Proc{Cmdline: []string{"/usr/sbin/apache2", "-k", "start", "-d/srv/www", "-f", "conf/site.conf", "-DFOREGROUND", "-D", "SSL", "-C", "ServerName x"}})
	if c.bin != "/usr/sbin/apache2" || c.root != "/srv/www" || c.conf != "conf/site.conf" || !slices.Equal(c.defines, []string{"FOREGROUND", "SSL"}) {
		t.Errorf("%+v", c)
	}
	if c := cmdlineOf(discover.Proc{Cmdline: []string{"/usr/sbin/httpd"}}); c.root != "" || c.conf != "" || c.bin != "/usr/sbin/httpd" {
		t.Errorf("no flags: %+v", c)
	}
}
