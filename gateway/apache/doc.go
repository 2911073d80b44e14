// Package apache reads what Apache httpd's mod_proxy writes and serves, as
// pure functions: the error log (ErrorLogFormat's default layout, with
// mod_proxy's message catalogue mapped to gwtop's cause codes), the access
// log in any LogFormat (compiled once, read per line without regular
// expressions), mod_status's ?auto page and mod_proxy_balancer's
// balancer-manager XML. Apache's access log names no backend unless the
// format logs %{BALANCER_WORKER_NAME}e, so a Router maps request paths to
// the ProxyPass backends that served them.
package apache
