package apache

import (
	"reflect"
	"testing"

	"github.com/gwtop/gwtop/config"
	"github.com/gwtop/gwtop/config/discover/discovertest"
)

func apacheOf(cfg *config.Config) *Config { return config.SectionOf[*Config](cfg, "apache") }

// A Debian apache2 as the package lays it out: apache2.conf names its logs
// through ${APACHE_LOG_DIR}, which envvars (read by apache2ctl) sets.
const (
	debianEnvvars = `unset HOME
if [ "${APACHE_CONFDIR##/etc/apache2-}" != "${APACHE_CONFDIR}" ] ; then
	SUFFIX="-${APACHE_CONFDIR##/etc/apache2-}"
else
	SUFFIX=
fi
export APACHE_RUN_USER=www-data
export APACHE_RUN_GROUP=www-data
export APACHE_PID_FILE=/var/run/apache2$SUFFIX/apache2.pid
export APACHE_RUN_DIR=/var/run/apache2$SUFFIX
export APACHE_LOCK_DIR=/var/lock/apache2$SUFFIX
export APACHE_LOG_DIR=/var/log/apache2$SUFFIX
`
	debianConf = `DefaultRuntimeDir ${APACHE_RUN_DIR}
PidFile ${APACHE_PID_FILE}
Listen 127.0.0.1:8081
ErrorLog ${APACHE_LOG_DIR}/error.log
LogLevel warn
LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined
CustomLog ${APACHE_LOG_DIR}/access.log combined
ProxyPass /server-status !
ProxyPass /api/ http://127.0.0.1:9001/
<Location /server-status>
    SetHandler server-status
    Require local
</Location>
`
)

// TestApacheNotRunning: with no apache2/httpd process, discovery reads the
// first standard configuration file there is (Debian's, with its envvars;
// Red Hat's httpd.conf, whose ServerRoot is the parent of conf/), says
// that Apache is not running, and still watches its logs.
func TestApacheNotRunning(t *testing.T) {
	h := discovertest.NewHost(t)
	h.Write("/etc/apache2/apache2.conf", debianConf)
	h.Write("/etc/apache2/envvars", debianEnvvars)
	h.Write("/var/log/apache2/access.log", "")
	h.Write("/var/log/apache2/error.log", "")
	h.Write("/etc/httpd/conf/httpd.conf", "ErrorLog logs/error_log\n") // later in the order: not read
	res, err := h.Discover(nil)
	if err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		t.Logf("%s", res.YAML)
	}
	discovertest.CheckNotRunning(t, res, "apache", "Apache httpd", "/etc/apache2/apache2.conf")
	a := apacheOf(res.Config)
	if a == nil || a.AccessLog != "/var/log/apache2/access.log" || a.ErrorLog != "/var/log/apache2/error.log" || a.StatusURL == "" {
		t.Fatalf("apache: %+v\n%s", a, res.YAML)
	}
	if want := []Route{{Prefix: "/server-status", Upstream: Exclude}, {Prefix: "/api/", Upstream: "127.0.0.1:9001"}}; !reflect.DeepEqual(a.Routes, want) {
		t.Errorf("routes %+v", a.Routes)
	}

	rh := discovertest.NewHost(t)
	rh.Write("/etc/httpd/conf/httpd.conf", "ServerRoot \"/etc/httpd\"\nListen 80\nErrorLog \"logs/error_log\"\nCustomLog \"logs/access_log\" combined\n")
	rh.Write("/etc/httpd/logs/error_log", "")
	rh.Write("/etc/httpd/logs/access_log", "")
	res, err = rh.Discover(nil)
	if err != nil {
		t.Fatal(err)
	}
	discovertest.CheckNotRunning(t, res, "apache", "Apache httpd", "/etc/httpd/conf/httpd.conf")
	if a := apacheOf(res.Config); a == nil || a.ErrorLog != "/etc/httpd/logs/error_log" || a.AccessLog != "/etc/httpd/logs/access_log" {
		t.Errorf("httpd: %+v\n%s", a, res.YAML)
	}
}

// TestApacheConfFlag: --apache-conf wins over the standard file; a
// missing one is an error naming the flag.
func TestApacheConfFlag(t *testing.T) {
	h := discovertest.NewHost(t)
	h.Write("/etc/apache2/apache2.conf", debianConf)
	h.Write("/etc/apache2/envvars", debianEnvvars)
	h.Write("/srv/web/httpd.conf", "ErrorLog /srv/web/error.log\nCustomLog /srv/web/access.log combined\n")
	h.Write("/srv/web/error.log", "")
	h.Write("/srv/web/access.log", "")
	res, err := h.Discover(map[string]string{"apache": "/srv/web/httpd.conf"})
	if err != nil {
		t.Fatal(err)
	}
	discovertest.CheckNotRunning(t, res, "apache", "Apache httpd", "/srv/web/httpd.conf")
	if a := apacheOf(res.Config); a == nil || a.ErrorLog != "/srv/web/error.log" || a.AccessLog != "/srv/web/access.log" {
		t.Errorf("apache from --apache-conf: %+v\n%s", a, res.YAML)
	}
	h.CheckMissingConfig("apache", "apache-conf", "/srv/web/none.conf")
}
